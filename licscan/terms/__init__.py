"""Terms: a rule's typed terms, the deploying context, and the terms answered in it."""
