"""The accounts service: identities, credentials, sessions and staff roles."""
