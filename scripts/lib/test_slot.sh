# TEST_SLOT=1..9 lets a second test run share this machine with the usual one
# (two developers, or an editor running one file while the suite runs): its
# own ports, databases, log, data and key folders, and its own private Docker
# engine. Sourced by scripts/test.sh before anything starts.

case "$TEST_SLOT" in
  [1-9]) ;;
  *) echo "test setup: TEST_SLOT must be a digit from 1 to 9" >&2; exit 1 ;;
esac

slot_port() { echo $(($1 + 100 * TEST_SLOT)); }

app_port=$(slot_port 43333)
user_office=http://127.0.0.1:$(slot_port 46301)
idp=http://127.0.0.1:$(slot_port 46302)

export PORT=$app_port APP_URL=http://127.0.0.1:$app_port
export USER_OFFICE_LOGIN_URL=$user_office/login USER_OFFICE_IDENTITY_URL=$user_office/identity \
  USER_OFFICE_AUTHORIZED_URL=$user_office/authorized \
  USER_OFFICE_EXPERIMENTS_URL="$user_office/users/\$USERNAME/experiments"
export SAML_IDP_SSO_URL=$idp/sso SAML_IDP_SLO_URL=$idp/slo
# The OpenID provider process (tests/helpers/test_oidc.ts) listens here.
export OIDC_ISSUER=http://127.0.0.1:$(slot_port 46306)
export KUBERNETES_SERVER=http://127.0.0.1:$(slot_port 46303)
# SimpleSAMLphp (tests/integration/simplesamlphp.spec.ts) listens here.
export SIMPLESAMLPHP_PORT=$(slot_port 46305)
# The SMTP fixture (tests/helpers/smtp_fixture.ts) listens here.
export SMTP_PORT=$(slot_port 46307)
# The image registry (Debian's docker-registry, tests/helpers/test_registry.ts) listens here.
export TEST_REGISTRY_PORT=$(slot_port 46308)
export GUACAMOLE_URL=http://127.0.0.1:$(slot_port 46304)/guacamole
export DB_DATABASE=portal_test_$TEST_SLOT GUACAMOLE_DB_DATABASE=guacamole_test_$TEST_SLOT
export LOG_FILE=tmp/slot-$TEST_SLOT/test.log DATA_DIR=tmp/slot-$TEST_SLOT/data
export DATASETS_ROOT=tmp/slot-$TEST_SLOT/data/datasets OUTPUT_ROOT=tmp/slot-$TEST_SLOT/data/output
export SAML_IDP_CERT=tmp/slot-$TEST_SLOT/saml/idp.crt SAML_SP_PRIVATE_KEY=tmp/slot-$TEST_SLOT/saml/sp.key \
  SAML_SP_CERT=tmp/slot-$TEST_SLOT/saml/sp.crt
mkdir -p "tmp/slot-$TEST_SLOT"
