"""The local stack: the four Chalice services, the portal and the embedded moto, in one process."""
