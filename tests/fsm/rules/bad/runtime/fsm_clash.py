"""A runtime module whose name a fixture machine collides with."""
