-- Apache Guacamole's database as its JDBC MySQL authentication module
-- declares it, version 1.6.0 (extensions/guacamole-auth-jdbc/modules/
-- guacamole-auth-jdbc-mysql/schema/001-create-schema.sql in
-- apache/guacamole-client). 1.5.x differs only in the system permission
-- enum, which lacks AUDIT there.
--
-- Every table, with the same column types, lengths, keys, cascades and
-- DEFAULT CHARSET=utf8: on MariaDB and MySQL that is utf8mb3, three bytes
-- per character, so no character outside the Basic Multilingual Plane
-- (emoji and the like) fits in any text column. The portal's own copy must
-- not be more permissive than a real Guacamole, or the tests would hide
-- values production refuses. The tests load it into a scratch database
-- (scripts/test.sh); production uses the schema Guacamole ships.
--
-- What the portal writes (docs/deployment.md): guacamole_entity,
-- guacamole_user (with full_name), guacamole_connection and its
-- parameters, guacamole_connection_permission (READ) and
-- guacamole_user_permission (READ on the user itself, as Guacamole grants
-- every user it creates). Deleting an entity or a connection cascades to
-- everything else the portal made; history rows stay.

CREATE TABLE guacamole_connection_group (
  connection_group_id      int(11)      NOT NULL AUTO_INCREMENT,
  parent_id                int(11),
  connection_group_name    varchar(128) NOT NULL,
  type                     enum('ORGANIZATIONAL', 'BALANCING') NOT NULL DEFAULT 'ORGANIZATIONAL',
  max_connections          int(11),
  max_connections_per_user int(11),
  enable_session_affinity  boolean      NOT NULL DEFAULT 0,
  PRIMARY KEY (connection_group_id),
  UNIQUE KEY connection_group_name_parent (connection_group_name, parent_id),
  CONSTRAINT guacamole_connection_group_ibfk_1
    FOREIGN KEY (parent_id) REFERENCES guacamole_connection_group (connection_group_id)
    ON DELETE CASCADE
) ENGINE=InnoDB DEFAULT CHARSET=utf8;

CREATE TABLE guacamole_connection (
  connection_id            int(11)      NOT NULL AUTO_INCREMENT,
  connection_name          varchar(128) NOT NULL,
  parent_id                int(11),
  protocol                 varchar(32)  NOT NULL,
  proxy_port               integer,
  proxy_hostname           varchar(512),
  proxy_encryption_method  enum('NONE', 'SSL'),
  max_connections          int(11),
  max_connections_per_user int(11),
  connection_weight        int(11),
  failover_only            boolean      NOT NULL DEFAULT 0,
  PRIMARY KEY (connection_id),
  -- Not enforced when parent_id is NULL (NULLs are distinct in unique keys).
  UNIQUE KEY connection_name_parent (connection_name, parent_id),
  CONSTRAINT guacamole_connection_ibfk_1
    FOREIGN KEY (parent_id) REFERENCES guacamole_connection_group (connection_group_id)
    ON DELETE CASCADE
) ENGINE=InnoDB DEFAULT CHARSET=utf8;

-- A user or a user group: the name is the Guacamole username.
CREATE TABLE guacamole_entity (
  entity_id int(11)      NOT NULL AUTO_INCREMENT,
  name      varchar(128) NOT NULL,
  type      enum('USER', 'USER_GROUP') NOT NULL,
  PRIMARY KEY (entity_id),
  UNIQUE KEY guacamole_entity_name_scope (type, name)
) ENGINE=InnoDB DEFAULT CHARSET=utf8;

CREATE TABLE guacamole_user (
  user_id             int(11)      NOT NULL AUTO_INCREMENT,
  entity_id           int(11)      NOT NULL,
  password_hash       binary(32)   NOT NULL,
  password_salt       binary(32),
  password_date       datetime     NOT NULL,
  disabled            boolean      NOT NULL DEFAULT 0,
  expired             boolean      NOT NULL DEFAULT 0,
  access_window_start TIME,
  access_window_end   TIME,
  valid_from          DATE,
  valid_until         DATE,
  timezone            VARCHAR(64),
  full_name           VARCHAR(256),
  email_address       VARCHAR(256),
  organization        VARCHAR(256),
  organizational_role VARCHAR(256),
  PRIMARY KEY (user_id),
  UNIQUE KEY guacamole_user_single_entity (entity_id),
  CONSTRAINT guacamole_user_entity
    FOREIGN KEY (entity_id) REFERENCES guacamole_entity (entity_id)
    ON DELETE CASCADE
) ENGINE=InnoDB DEFAULT CHARSET=utf8;

CREATE TABLE guacamole_user_group (
  user_group_id int(11) NOT NULL AUTO_INCREMENT,
  entity_id     int(11) NOT NULL,
  disabled      boolean NOT NULL DEFAULT 0,
  PRIMARY KEY (user_group_id),
  UNIQUE KEY guacamole_user_group_single_entity (entity_id),
  CONSTRAINT guacamole_user_group_entity
    FOREIGN KEY (entity_id) REFERENCES guacamole_entity (entity_id)
    ON DELETE CASCADE
) ENGINE=InnoDB DEFAULT CHARSET=utf8;

CREATE TABLE guacamole_user_group_member (
  user_group_id    int(11) NOT NULL,
  member_entity_id int(11) NOT NULL,
  PRIMARY KEY (user_group_id, member_entity_id),
  CONSTRAINT guacamole_user_group_member_parent_id
    FOREIGN KEY (user_group_id) REFERENCES guacamole_user_group (user_group_id)
    ON DELETE CASCADE,
  CONSTRAINT guacamole_user_group_member_entity_id
    FOREIGN KEY (member_entity_id) REFERENCES guacamole_entity (entity_id)
    ON DELETE CASCADE
) ENGINE=InnoDB DEFAULT CHARSET=utf8;

CREATE TABLE guacamole_sharing_profile (
  sharing_profile_id    int(11)      NOT NULL AUTO_INCREMENT,
  sharing_profile_name  varchar(128) NOT NULL,
  primary_connection_id int(11)      NOT NULL,
  PRIMARY KEY (sharing_profile_id),
  UNIQUE KEY sharing_profile_name_primary (sharing_profile_name, primary_connection_id),
  CONSTRAINT guacamole_sharing_profile_ibfk_1
    FOREIGN KEY (primary_connection_id) REFERENCES guacamole_connection (connection_id)
    ON DELETE CASCADE
) ENGINE=InnoDB DEFAULT CHARSET=utf8;

CREATE TABLE guacamole_connection_parameter (
  connection_id   int(11)       NOT NULL,
  parameter_name  varchar(128)  NOT NULL,
  parameter_value varchar(4096) NOT NULL,
  PRIMARY KEY (connection_id, parameter_name),
  CONSTRAINT guacamole_connection_parameter_ibfk_1
    FOREIGN KEY (connection_id) REFERENCES guacamole_connection (connection_id)
    ON DELETE CASCADE
) ENGINE=InnoDB DEFAULT CHARSET=utf8;

CREATE TABLE guacamole_sharing_profile_parameter (
  sharing_profile_id integer       NOT NULL,
  parameter_name     varchar(128)  NOT NULL,
  parameter_value    varchar(4096) NOT NULL,
  PRIMARY KEY (sharing_profile_id, parameter_name),
  CONSTRAINT guacamole_sharing_profile_parameter_ibfk_1
    FOREIGN KEY (sharing_profile_id) REFERENCES guacamole_sharing_profile (sharing_profile_id)
    ON DELETE CASCADE
) ENGINE=InnoDB DEFAULT CHARSET=utf8;

CREATE TABLE guacamole_user_attribute (
  user_id         int(11)       NOT NULL,
  attribute_name  varchar(128)  NOT NULL,
  attribute_value varchar(4096) NOT NULL,
  PRIMARY KEY (user_id, attribute_name),
  KEY user_id (user_id),
  CONSTRAINT guacamole_user_attribute_ibfk_1
    FOREIGN KEY (user_id) REFERENCES guacamole_user (user_id)
    ON DELETE CASCADE
) ENGINE=InnoDB DEFAULT CHARSET=utf8;

CREATE TABLE guacamole_user_group_attribute (
  user_group_id   int(11)       NOT NULL,
  attribute_name  varchar(128)  NOT NULL,
  attribute_value varchar(4096) NOT NULL,
  PRIMARY KEY (user_group_id, attribute_name),
  KEY user_group_id (user_group_id),
  CONSTRAINT guacamole_user_group_attribute_ibfk_1
    FOREIGN KEY (user_group_id) REFERENCES guacamole_user_group (user_group_id)
    ON DELETE CASCADE
) ENGINE=InnoDB DEFAULT CHARSET=utf8;

CREATE TABLE guacamole_connection_attribute (
  connection_id   int(11)       NOT NULL,
  attribute_name  varchar(128)  NOT NULL,
  attribute_value varchar(4096) NOT NULL,
  PRIMARY KEY (connection_id, attribute_name),
  KEY connection_id (connection_id),
  CONSTRAINT guacamole_connection_attribute_ibfk_1
    FOREIGN KEY (connection_id) REFERENCES guacamole_connection (connection_id)
    ON DELETE CASCADE
) ENGINE=InnoDB DEFAULT CHARSET=utf8;

CREATE TABLE guacamole_connection_group_attribute (
  connection_group_id int(11)       NOT NULL,
  attribute_name      varchar(128)  NOT NULL,
  attribute_value     varchar(4096) NOT NULL,
  PRIMARY KEY (connection_group_id, attribute_name),
  KEY connection_group_id (connection_group_id),
  CONSTRAINT guacamole_connection_group_attribute_ibfk_1
    FOREIGN KEY (connection_group_id) REFERENCES guacamole_connection_group (connection_group_id)
    ON DELETE CASCADE
) ENGINE=InnoDB DEFAULT CHARSET=utf8;

CREATE TABLE guacamole_sharing_profile_attribute (
  sharing_profile_id int(11)       NOT NULL,
  attribute_name     varchar(128)  NOT NULL,
  attribute_value    varchar(4096) NOT NULL,
  PRIMARY KEY (sharing_profile_id, attribute_name),
  KEY sharing_profile_id (sharing_profile_id),
  CONSTRAINT guacamole_sharing_profile_attribute_ibfk_1
    FOREIGN KEY (sharing_profile_id) REFERENCES guacamole_sharing_profile (sharing_profile_id)
    ON DELETE CASCADE
) ENGINE=InnoDB DEFAULT CHARSET=utf8;

-- READ lets the entity see and open the connection.
CREATE TABLE guacamole_connection_permission (
  entity_id     int(11) NOT NULL,
  connection_id int(11) NOT NULL,
  permission    enum('READ', 'UPDATE', 'DELETE', 'ADMINISTER') NOT NULL,
  PRIMARY KEY (entity_id, connection_id, permission),
  CONSTRAINT guacamole_connection_permission_ibfk_1
    FOREIGN KEY (connection_id) REFERENCES guacamole_connection (connection_id)
    ON DELETE CASCADE,
  CONSTRAINT guacamole_connection_permission_entity
    FOREIGN KEY (entity_id) REFERENCES guacamole_entity (entity_id)
    ON DELETE CASCADE
) ENGINE=InnoDB DEFAULT CHARSET=utf8;

CREATE TABLE guacamole_connection_group_permission (
  entity_id           int(11) NOT NULL,
  connection_group_id int(11) NOT NULL,
  permission          enum('READ', 'UPDATE', 'DELETE', 'ADMINISTER') NOT NULL,
  PRIMARY KEY (entity_id, connection_group_id, permission),
  CONSTRAINT guacamole_connection_group_permission_ibfk_1
    FOREIGN KEY (connection_group_id) REFERENCES guacamole_connection_group (connection_group_id)
    ON DELETE CASCADE,
  CONSTRAINT guacamole_connection_group_permission_entity
    FOREIGN KEY (entity_id) REFERENCES guacamole_entity (entity_id)
    ON DELETE CASCADE
) ENGINE=InnoDB DEFAULT CHARSET=utf8;

CREATE TABLE guacamole_sharing_profile_permission (
  entity_id          integer NOT NULL,
  sharing_profile_id integer NOT NULL,
  permission         enum('READ', 'UPDATE', 'DELETE', 'ADMINISTER') NOT NULL,
  PRIMARY KEY (entity_id, sharing_profile_id, permission),
  CONSTRAINT guacamole_sharing_profile_permission_ibfk_1
    FOREIGN KEY (sharing_profile_id) REFERENCES guacamole_sharing_profile (sharing_profile_id)
    ON DELETE CASCADE,
  CONSTRAINT guacamole_sharing_profile_permission_entity
    FOREIGN KEY (entity_id) REFERENCES guacamole_entity (entity_id)
    ON DELETE CASCADE
) ENGINE=InnoDB DEFAULT CHARSET=utf8;

-- System-wide privileges; the portal grants none.
CREATE TABLE guacamole_system_permission (
  entity_id  int(11) NOT NULL,
  permission enum('CREATE_CONNECTION', 'CREATE_CONNECTION_GROUP', 'CREATE_SHARING_PROFILE',
                  'CREATE_USER', 'CREATE_USER_GROUP', 'AUDIT', 'ADMINISTER') NOT NULL,
  PRIMARY KEY (entity_id, permission),
  CONSTRAINT guacamole_system_permission_entity
    FOREIGN KEY (entity_id) REFERENCES guacamole_entity (entity_id)
    ON DELETE CASCADE
) ENGINE=InnoDB DEFAULT CHARSET=utf8;

-- What an entity may do to a user (the "affected" one); READ on oneself
-- lets a user read their own profile (the name in Guacamole's user menu).
CREATE TABLE guacamole_user_permission (
  entity_id        int(11) NOT NULL,
  affected_user_id int(11) NOT NULL,
  permission       enum('READ', 'UPDATE', 'DELETE', 'ADMINISTER') NOT NULL,
  PRIMARY KEY (entity_id, affected_user_id, permission),
  CONSTRAINT guacamole_user_permission_ibfk_1
    FOREIGN KEY (affected_user_id) REFERENCES guacamole_user (user_id)
    ON DELETE CASCADE,
  CONSTRAINT guacamole_user_permission_entity
    FOREIGN KEY (entity_id) REFERENCES guacamole_entity (entity_id)
    ON DELETE CASCADE
) ENGINE=InnoDB DEFAULT CHARSET=utf8;

CREATE TABLE guacamole_user_group_permission (
  entity_id              int(11) NOT NULL,
  affected_user_group_id int(11) NOT NULL,
  permission             enum('READ', 'UPDATE', 'DELETE', 'ADMINISTER') NOT NULL,
  PRIMARY KEY (entity_id, affected_user_group_id, permission),
  CONSTRAINT guacamole_user_group_permission_affected_user_group
    FOREIGN KEY (affected_user_group_id) REFERENCES guacamole_user_group (user_group_id)
    ON DELETE CASCADE,
  CONSTRAINT guacamole_user_group_permission_entity
    FOREIGN KEY (entity_id) REFERENCES guacamole_entity (entity_id)
    ON DELETE CASCADE
) ENGINE=InnoDB DEFAULT CHARSET=utf8;

-- Guacamole copies the user and connection names, so history survives deletions.
CREATE TABLE guacamole_connection_history (
  history_id           int(11)      NOT NULL AUTO_INCREMENT,
  user_id              int(11)      DEFAULT NULL,
  username             varchar(128) NOT NULL,
  remote_host          varchar(256) DEFAULT NULL,
  connection_id        int(11)      DEFAULT NULL,
  connection_name      varchar(128) NOT NULL,
  sharing_profile_id   int(11)      DEFAULT NULL,
  sharing_profile_name varchar(128) DEFAULT NULL,
  start_date           datetime     NOT NULL,
  end_date             datetime     DEFAULT NULL,
  PRIMARY KEY (history_id),
  KEY user_id (user_id),
  KEY connection_id (connection_id),
  KEY sharing_profile_id (sharing_profile_id),
  KEY start_date (start_date),
  KEY end_date (end_date),
  KEY connection_start_date (connection_id, start_date),
  CONSTRAINT guacamole_connection_history_ibfk_1
    FOREIGN KEY (user_id) REFERENCES guacamole_user (user_id)
    ON DELETE SET NULL,
  CONSTRAINT guacamole_connection_history_ibfk_2
    FOREIGN KEY (connection_id) REFERENCES guacamole_connection (connection_id)
    ON DELETE SET NULL,
  CONSTRAINT guacamole_connection_history_ibfk_3
    FOREIGN KEY (sharing_profile_id) REFERENCES guacamole_sharing_profile (sharing_profile_id)
    ON DELETE SET NULL
) ENGINE=InnoDB DEFAULT CHARSET=utf8;

CREATE TABLE guacamole_user_history (
  history_id  int(11)      NOT NULL AUTO_INCREMENT,
  user_id     int(11)      DEFAULT NULL,
  username    varchar(128) NOT NULL,
  remote_host varchar(256) DEFAULT NULL,
  start_date  datetime     NOT NULL,
  end_date    datetime     DEFAULT NULL,
  PRIMARY KEY (history_id),
  KEY user_id (user_id),
  KEY start_date (start_date),
  KEY end_date (end_date),
  KEY user_start_date (user_id, start_date),
  CONSTRAINT guacamole_user_history_ibfk_1
    FOREIGN KEY (user_id) REFERENCES guacamole_user (user_id)
    ON DELETE SET NULL
) ENGINE=InnoDB DEFAULT CHARSET=utf8;

CREATE TABLE guacamole_user_password_history (
  password_history_id int(11)    NOT NULL AUTO_INCREMENT,
  user_id             int(11)    NOT NULL,
  password_hash       binary(32) NOT NULL,
  password_salt       binary(32),
  password_date       datetime   NOT NULL,
  PRIMARY KEY (password_history_id),
  KEY user_id (user_id),
  CONSTRAINT guacamole_user_password_history_ibfk_1
    FOREIGN KEY (user_id) REFERENCES guacamole_user (user_id)
    ON DELETE CASCADE
) ENGINE=InnoDB DEFAULT CHARSET=utf8;
