"""Single sign-on with OpenID Connect: the provider's discovery document, the login views,
the authentication backend and the claims-to-teams map. Off unless READINESS_OIDC_ISSUER
is set."""
