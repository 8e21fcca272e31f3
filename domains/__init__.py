"""Domains: the YAML format that describes one assistant, its loader and the bundled domains."""

from dialogue.domains.errors import DomainError, Problem
from dialogue.domains.loader import bundled_domains, check_domain, load_domain, resolve_domain_path
from dialogue.domains.schema import Domain

__all__ = ["Domain", "DomainError", "Problem", "bundled_domains", "check_domain", "load_domain",
           "resolve_domain_path"]
