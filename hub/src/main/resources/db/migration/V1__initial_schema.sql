-- Doorward hub schema. Ids are random 128-bit base64url strings made by the hub or the device,
-- never derived from serial numbers.

create table accounts (
    id            text primary key,
    username      text not null unique,
    password_hash text not null,
    created_at    timestamptz not null
);

create table households (
    id         text primary key,
    name       text not null,
    created_at timestamptz not null
);

create table memberships (
    household_id text not null references households (id) on delete cascade,
    account_id   text not null references accounts (id) on delete cascade,
    role         text not null check (role in ('owner', 'admin', 'resident', 'guest')),
    created_at   timestamptz not null,
    primary key (household_id, account_id)
);
create index memberships_account on memberships (account_id);

create table devices (
    id                     text primary key,
    household_id           text not null references households (id) on delete cascade,
    serial                 text not null unique,
    name                   text not null,
    certificate_serial     text not null,
    certificate_expires_at timestamptz not null,
    claimed_at             timestamptz not null,
    last_seen_at           timestamptz
);
create index devices_household on devices (household_id);

-- One row per event, whatever how often the device sent it: the device's event id is the key.
create table events (
    device_id    text not null references devices (id) on delete cascade,
    id           text not null,
    household_id text not null references households (id) on delete cascade,
    kind         text not null,
    occurred_at  timestamptz not null,
    received_at  timestamptz not null,
    detail       text,
    primary key (device_id, id)
);
create index events_household_time on events (household_id, occurred_at desc);

-- Append-only and hash-chained per household ('-' is the hub's own chain).
create table audit_log (
    seq           bigserial primary key,
    chain         text not null,
    at            timestamptz not null,
    actor         text not null,
    action        text not null,
    detail        text not null,
    previous_hash text not null,
    hash          text not null
);
create index audit_log_chain on audit_log (chain, seq);

-- The first-run setup link. Only the token's hash is kept.
create table setup_links (
    token_hash text primary key,
    created_at timestamptz not null,
    expires_at timestamptz not null,
    used_at    timestamptz
);
