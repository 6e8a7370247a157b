"""Lambda host of the local stack: runs the real function binaries behind the Lambda Invoke API.

Not an emulator of Lambda's control plane (no CreateFunction): functions are registered
through the host's own control API (`PUT /_host/functions/{name}`). See main.py for the CLI.
"""
