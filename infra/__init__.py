"""Shared infrastructure: CloudFormation template, moto bootstrap, packaging."""
