"""The platform sandbox: a real HTTP server imitating Instagram, Facebook Pages and YouTube.

Start it with `socialsched sandbox serve` or `SandboxProcess` (tests, demo, bench); drive it
with `SandboxControl`. Imports here stay light: starlette/uvicorn load only in the server.
"""
