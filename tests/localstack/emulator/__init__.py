"""replica-dns local AWS emulator: moto 5.2.5 in server mode plus the extensions that
close the gaps between moto and real AWS that replica-dns depends on.

It is not a general AWS emulator: only Route 53, ElastiCache (cluster mode disabled),
SNS, Step Functions and the Lambda Invoke forwarding are extended. See ../README.md.
"""
