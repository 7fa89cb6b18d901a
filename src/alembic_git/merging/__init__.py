"""What a merge would produce: the merged tree compared with the target, merge
queues, and the forecast over every open branch."""
