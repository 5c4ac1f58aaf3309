"""What a crawl writes: default feed partitions, the flat CSV exporter, feed URI parameters."""
