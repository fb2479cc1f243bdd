package postgres

// NumMigrations is how many schema migrations this version applies.
var NumMigrations = len(migrations)
