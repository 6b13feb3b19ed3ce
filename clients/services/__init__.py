"""The clients app's writes, one module per topic (no re-exports: import the topic module)."""
