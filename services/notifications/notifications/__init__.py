"""The notifications service: turns events into French e-mails sent with SES, each at most once."""
