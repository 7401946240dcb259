"""Talking to the image API: the request body, the client, its error classes and the gate
that keeps every attempt inside the provider's rate and concurrency."""
