"""The kernel: the session over a workspace's store, its changes, undo, ids, errors and rules."""
