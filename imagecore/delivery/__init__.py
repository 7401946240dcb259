"""Getting results in front of members: throttled status updates, fitting an image under
an upload limit, and clipping text to message limits."""
