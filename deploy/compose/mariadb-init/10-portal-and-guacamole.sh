# MariaDB's first start (docker-entrypoint-initdb.d, see docker-compose.yml):
# the portal's and Guacamole's databases, their accounts, and Guacamole's
# schema written by the "guacamole-schema" service. Runs once, when the data
# volume is empty. The entrypoint sources this file (keep it non-executable)
# and provides docker_process_sql, which runs SQL as root over the socket.

# A value as an SQL string literal.
portal_sql_string() {
  local value=${1//\\/\\\\}
  printf "'%s'" "${value//\'/\'\'}"
}

guacamole_schema=${GUACAMOLE_SCHEMA_FILE:-/guacamole-schema/guacamole.sql}
if [ ! -s "$guacamole_schema" ]; then
  echo "mariadb-init: $guacamole_schema is missing (did guacamole-schema run?)" >&2
  exit 1
fi

docker_process_sql --database=mysql <<EOSQL
CREATE DATABASE portal CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci;
CREATE DATABASE guacamole CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci;
CREATE USER 'portal'@'%' IDENTIFIED BY $(portal_sql_string "$PORTAL_DB_PASSWORD");
CREATE USER 'guacamole'@'%' IDENTIFIED BY $(portal_sql_string "$GUACAMOLE_DB_PASSWORD");
GRANT ALL PRIVILEGES ON portal.* TO 'portal'@'%';
GRANT SELECT, INSERT, UPDATE, DELETE ON guacamole.* TO 'guacamole'@'%';
EOSQL

docker_process_sql --database=guacamole <"$guacamole_schema"

# No administrator with Guacamole's well-known default password (the portal
# needs none; docs/operations.md shows how to add one). The portal gets only
# the tables its access broker writes (docs/deployment.md).
docker_process_sql --database=guacamole <<EOSQL
DELETE FROM guacamole_entity WHERE type = 'USER' AND name = 'guacadmin';
GRANT SELECT, INSERT, UPDATE, DELETE ON guacamole.guacamole_entity TO 'portal'@'%';
GRANT SELECT, INSERT, UPDATE, DELETE ON guacamole.guacamole_user TO 'portal'@'%';
GRANT SELECT, INSERT, UPDATE, DELETE ON guacamole.guacamole_connection TO 'portal'@'%';
GRANT SELECT, INSERT, UPDATE, DELETE ON guacamole.guacamole_connection_parameter TO 'portal'@'%';
GRANT SELECT, INSERT, UPDATE, DELETE ON guacamole.guacamole_connection_permission TO 'portal'@'%';
GRANT SELECT, INSERT, UPDATE, DELETE ON guacamole.guacamole_user_permission TO 'portal'@'%';
GRANT SELECT ON guacamole.guacamole_connection_history TO 'portal'@'%';
EOSQL
