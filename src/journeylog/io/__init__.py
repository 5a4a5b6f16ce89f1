"""Readers and writers: local-file checks, the safe XML front-end, tabular and XES readers,
and atomic writers. Nothing here knows about journeys; it turns bytes into raw frames and back."""
