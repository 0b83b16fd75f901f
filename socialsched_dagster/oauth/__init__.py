"""Connecting accounts through the platforms' own authorization (OAuth authorization-code flow,
or an app password where that is the platform's way): the flow, free of any HTTP framework.
The platforms' parts are in platforms/<name>/oauth.py, reached through PlatformSpec.connect."""
