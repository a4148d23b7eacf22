-- Passkeys: Spring Security's WebAuthn tables (spring-security-webauthn 7.0, JdbcPublicKeyCredentialUserEntityRepository
-- and JdbcUserCredentialRepository), for PostgreSQL. A user entity's name is the account's username; it and its
-- passkeys go with the account.
create table user_entities (
    id           varchar(1000) primary key,
    name         varchar(100)  not null unique references accounts (username) on delete cascade on update cascade,
    display_name varchar(200)
);

create table user_credentials (
    credential_id                varchar(1000) primary key,
    user_entity_user_id          varchar(1000) not null references user_entities (id) on delete cascade,
    public_key                   bytea         not null,
    signature_count              bigint,
    uv_initialized               boolean,
    backup_eligible              boolean       not null,
    authenticator_transports     varchar(1000),
    public_key_credential_type   varchar(100),
    backup_state                 boolean       not null,
    attestation_object           bytea,
    attestation_client_data_json bytea,
    created                      timestamp,
    last_used                    timestamp,
    label                        varchar(1000) not null
);
create index user_credentials_user on user_credentials (user_entity_user_id);

-- Single-use re-entry links an owner or admin issues for a member who lost their password. Only the token's hash
-- is kept; the token travels in the link's fragment.
create table recovery_links (
    token_hash   text primary key,
    account_id   text not null references accounts (id) on delete cascade,
    household_id text not null references households (id) on delete cascade,
    created_by   text references accounts (id) on delete set null,
    created_at   timestamptz not null,
    expires_at   timestamptz not null,
    used_at      timestamptz
);
create index recovery_links_account on recovery_links (account_id);

-- The owner's recovery code, shown once when the owner account is made: only its hash is kept.
alter table accounts add column recovery_code_hash text;
