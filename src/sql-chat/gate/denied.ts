/**
 * What the SQL gate refuses by name, on top of its structural rules (one SELECT, nothing that
 * writes, locks or controls the session). Built-in functions only: anything else (a user-defined
 * function, which may write) is refused as unknown before these lists are consulted.
 */

/** Denied built-in functions, by exact name (lower case), with the reason a refusal gives. */
const DENIED_FUNCTIONS: Record<string, string> = {
  // Settings
  set_config: 'changes a setting',
  current_setting: 'reads server settings',
  pg_show_all_settings: 'reads server settings',
  pg_reload_conf: 'reloads the server configuration',
  // Backend signalling and maintenance
  pg_terminate_backend: 'signals a backend',
  pg_cancel_backend: 'signals a backend',
  pg_signal_backend: 'signals a backend',
  pg_rotate_logfile: 'rotates the server log',
  pg_log_backend_memory_contexts: 'signals a backend',
  pg_current_logfile: 'reads the server log location',
  pg_promote: 'promotes a standby',
  pg_switch_wal: 'switches the WAL file',
  pg_export_snapshot: 'exports a snapshot',
  pg_import_system_collations: 'changes the catalog',
  pg_notify: 'sends a notification',
  // Sleeps
  pg_sleep: 'sleeps',
  pg_sleep_for: 'sleeps',
  pg_sleep_until: 'sleeps',
  // Sequences and transaction ids
  nextval: 'advances a sequence',
  setval: 'changes a sequence',
  txid_current: 'assigns a transaction id',
  pg_current_xact_id: 'assigns a transaction id',
  // Functions that run a query given as text, or read any table by name
  query_to_xml: 'runs a query given as text',
  query_to_xmlschema: 'runs a query given as text',
  query_to_xml_and_xmlschema: 'runs a query given as text',
  cursor_to_xml: 'reads a cursor',
  cursor_to_xmlschema: 'reads a cursor',
  table_to_xml: 'reads a table given by name',
  table_to_xmlschema: 'reads a table given by name',
  table_to_xml_and_xmlschema: 'reads a table given by name',
  schema_to_xml: 'reads a schema given by name',
  schema_to_xmlschema: 'reads a schema given by name',
  schema_to_xml_and_xmlschema: 'reads a schema given by name',
  database_to_xml: 'reads a database',
  database_to_xmlschema: 'reads a database',
  database_to_xml_and_xmlschema: 'reads a database',
};

/** Denied families of built-in functions, by name prefix. */
const DENIED_PREFIXES: [string, string][] = [
  ['pg_read_', 'reads server files'],
  ['pg_ls_', 'lists server files'],
  ['pg_stat_file', 'reads server file metadata'],
  ['pg_file_', 'writes server files'],
  ['lo_', 'uses large objects'],
  ['loread', 'uses large objects'],
  ['lowrite', 'uses large objects'],
  ['pg_advisory_', 'takes an advisory lock'],
  ['pg_try_advisory_', 'takes an advisory lock'],
  ['dblink', 'reaches other servers'],
  ['postgres_fdw', 'reaches other servers'],
  ['pg_create_', 'creates replication or restore state'],
  ['pg_drop_replication', 'drops replication state'],
  ['pg_replication_', 'controls replication'],
  ['pg_logical_', 'controls logical replication'],
  ['pg_wal_replay_', 'controls WAL replay'],
  ['pg_backup_', 'controls backups'],
  ['pg_start_backup', 'controls backups'],
  ['pg_stop_backup', 'controls backups'],
  ['pg_stat_reset', 'resets statistics'],
  ['pg_stat_get_activity', "reads other sessions' queries"],
  ['pg_stat_get_backend_', "reads other sessions' state"],
  ['pg_stat_statements', "reads other sessions' queries"],
];

/** Why a built-in function is denied, or `undefined` when it is allowed. */
export function deniedFunction(name: string): string | undefined {
  const lower = name.toLowerCase();
  if (Object.hasOwn(DENIED_FUNCTIONS, lower)) return DENIED_FUNCTIONS[lower];
  return DENIED_PREFIXES.find(([prefix]) => lower.startsWith(prefix))?.[1];
}

/**
 * System relations that hold secrets or other sessions' activity (pg_catalog and, where the
 * name exists there too, information_schema): refused wherever they are named.
 */
const DENIED_RELATIONS = new Set([
  'pg_authid',
  'pg_shadow',
  'pg_user_mapping',
  'pg_user_mappings',
  'user_mapping_options',
  'pg_subscription',
  'pg_statistic',
  'pg_statistic_ext_data',
  'pg_largeobject',
  'pg_largeobject_metadata',
  'pg_hba_file_rules',
  'pg_ident_file_mappings',
  'pg_file_settings',
  'pg_settings',
  'pg_db_role_setting',
  'pg_stat_activity',
  'pg_stat_ssl',
  'pg_stat_gssapi',
  'pg_stat_replication',
  'pg_stat_wal_receiver',
  'pg_stat_subscription',
  'pg_stat_statements',
  'pg_prepared_xacts',
  'pg_locks',
  'pg_backend_memory_contexts',
  'pg_shmem_allocations',
  'pg_replication_slots',
  'pg_replication_origin',
  'pg_replication_origin_status',
]);

export function deniedRelation(name: string): boolean {
  return DENIED_RELATIONS.has(name.toLowerCase());
}
