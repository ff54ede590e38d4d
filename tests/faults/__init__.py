"""Fault injection: hostile or faulty sites, files and services, each measured against a clean control."""
