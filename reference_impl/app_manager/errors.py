"""Exceptions of the App Manager.

    VorderingenError (reference_impl.common.errors)
    ├── ConfigError                     a configuration value is wrong (names key and value)
    │   └── TestIdentityProviderRefused the test identity provider was asked to run in
    │                                   `productie`; it refuses at start-up
    ├── TokenError                      a certificate request, certificate or revocation
    │                                   request was refused (→ 401 with its code)
    ├── Problem                         an HTTP answer (reference_impl.common.problems)
    └── AppManagerError                 the App Manager cannot do its work
        └── IdentityProviderError       the identity provider refused the code or could not
                                        be reached (the app gets `error=access_denied`)
"""

from __future__ import annotations

from reference_impl.common.errors import ConfigError, VorderingenError


class TestIdentityProviderRefused(ConfigError):
    """The test identity provider never runs in a production environment."""

    __test__ = False  # not a pytest test class, whatever its name says


class AppManagerError(VorderingenError):
    """The App Manager cannot do its work."""


class IdentityProviderError(AppManagerError):
    """The identity provider refused the authorisation code, or failed."""
