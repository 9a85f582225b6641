"""Files kept with a case (issue 18): the store, the service, backup and check of the files."""
