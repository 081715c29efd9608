"""The enrolment service: the family file, pre-enrolment requests, documents and staff validation."""
