"""The one workflow every kind of request follows: states, allowed transitions, who may make them."""
