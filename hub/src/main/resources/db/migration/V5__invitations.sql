-- One-time invitation links into a household. Only the token's hash is kept; the token travels in the
-- link's fragment, never in a request URL.
create table invitations (
    token_hash   text primary key,
    household_id text not null references households (id) on delete cascade,
    role         text not null check (role in ('admin', 'resident', 'guest')),
    created_by   text not null references accounts (id) on delete cascade,
    created_at   timestamptz not null,
    expires_at   timestamptz not null,
    used_by      text references accounts (id) on delete set null,
    used_at      timestamptz
);
create index invitations_household on invitations (household_id);
