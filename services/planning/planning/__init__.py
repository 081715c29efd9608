"""The planning service: catalogue, school calendar, reservations and decisions."""
