INSERT INTO note VALUES (2, 'from flyway, again');
