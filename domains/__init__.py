"""Domains: the YAML format that describes one assistant, its loader and the bundled domains."""

from domains.errors import DomainError, Problem
from domains.loader import bundled_domains, check_domain, load_domain, resolve_domain_path
from domains.schema import Domain

__all__ = ["Domain", "DomainError", "Problem", "bundled_domains", "check_domain", "load_domain",
           "resolve_domain_path"]
