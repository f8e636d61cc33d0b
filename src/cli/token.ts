import { parseArgs } from 'node:util';
import { ConfigError, loadConfig } from '../config.js';
import { DEPARTMENTS, ROLES, type Department, type Role } from '../domain/enums.js';
import { signToken } from '../auth/token.js';

/**
 * Prints a bearer token for the running configuration (same JWT_SECRET / issuer).
 * Usage: npm run --silent token -- --role ADMIN [--scope <id,...>] [--sub id] [--name n] [--department D] [--ttl 12h]
 */
const usage = `usage: npm run --silent token -- --role <${ROLES.join('|')}> [--scope <regionId|cityCompanyId|projectId,...>] [--sub <subject>] [--name <display name>] [--department <${DEPARTMENTS.join('|')}>] [--ttl <e.g. 12h, 7d>]`;
try {
  const { values } = parseArgs({
    options: {
      role: { type: 'string' },
      scope: { type: 'string' },
      sub: { type: 'string' },
      name: { type: 'string' },
      department: { type: 'string' },
      ttl: { type: 'string' },
      help: { type: 'boolean' },
    },
  });
  if (values.help) {
    console.log(usage);
    process.exit(0);
  }
  const role = values.role?.toUpperCase() as Role | undefined;
  if (!role || !ROLES.includes(role)) throw new Error(`--role is required: one of ${ROLES.join(', ')}`);
  const department = values.department?.toUpperCase() as Department | undefined;
  if (department && !DEPARTMENTS.includes(department)) throw new Error(`--department must be one of ${DEPARTMENTS.join(', ')}`);
  const scope = values.scope ? values.scope.split(',').map((s) => s.trim()).filter(Boolean) : null;
  const config = loadConfig();
  const token = await signToken(
    config,
    { sub: values.sub ?? `dev-${role.toLowerCase()}`, role, scope, department: department ?? null, name: values.name ?? null },
    values.ttl ?? config.tokenTtl,
  );
  process.stdout.write(token + '\n');
} catch (e) {
  console.error(e instanceof ConfigError ? e.message : `${(e as Error).message}\n${usage}`);
  process.exit(1);
}
