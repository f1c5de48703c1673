# Sourced by tools/bench scripts: a data folder whose catalog is a fresh PostgreSQL database.
#   pg_data_folder DIR    removes DIR, then makes it with a config.toml (the template `custody`
#                         writes) whose [catalog] names a new, empty, migrated database on the
#                         server: CUSTODY_PG_URL / CUSTODY_PG_PASSWORD_FILE when set, else a
#                         throw-away cluster in $work/pg (tools/postgres), stopped on exit.
# Needs: $bin (custody, custody-seed), $work. Sets pg_database (the new database's URL).
pg_started=""
pg_cleanup() { if [ -n "$pg_started" ]; then tools/postgres stop "$pg_started" || true; fi; }
pg_server() {  # sets pg_url, pg_password_file
  if [ -n "${CUSTODY_PG_URL:-}" ]; then
    pg_url=$CUSTODY_PG_URL; pg_password_file=${CUSTODY_PG_PASSWORD_FILE:-}
    return
  fi
  if [ -z "$pg_started" ]; then
    PG_SHARED_BUFFERS=${PG_SHARED_BUFFERS:-1GB} PG_MAX_WAL_SIZE=${PG_MAX_WAL_SIZE:-4GB} tools/postgres start "$work/pg" >/dev/null
    pg_started="$work/pg"
  fi
  pg_url=$(sed -n 's/^CUSTODY_PG_URL=//p' "$work/pg/env")
  pg_password_file=$(sed -n 's/^CUSTODY_PG_PASSWORD_FILE=//p' "$work/pg/env")
}
pg_data_folder() {
  local dir=$1
  pg_server
  rm -rf "$dir" "$work/config-template"
  "$bin/custody" verify --data "$work/config-template" >/dev/null 2>&1 || true
  pg_database=$("$bin/custody-seed" --new-database "$pg_url" ${pg_password_file:+"$pg_password_file"})
  mkdir -p "$dir"
  sed "/^\[catalog\]/a url = \"$pg_database\"${pg_password_file:+\\npassword_file = \"$pg_password_file\"}" \
    "$work/config-template/config.toml" >"$dir/config.toml"
  rm -rf "$work/config-template"
}
