"""Great Expectations data contracts for the input and for synthetic rows."""
