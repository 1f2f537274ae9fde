"""Requests filed against a service: certificates, complaints, requests and reports alike."""
