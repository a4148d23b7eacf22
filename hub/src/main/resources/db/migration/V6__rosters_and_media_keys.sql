-- Signed household rosters (DESIGN §3). The hub stores and carries them; only the doorbells decide whether
-- a roster counts, by checking its signature back to the owner key they pinned at claim time.
create table rosters (
    household_id     text   not null references households (id) on delete cascade,
    epoch            bigint not null check (epoch >= 1),
    text             text   not null,
    signature        text   not null,
    signer_key       text   not null,
    signer_client_id text   not null,
    created_at       timestamptz not null,
    primary key (household_id, epoch)
);

-- The roster epoch each doorbell last reported holding.
alter table devices add column roster_epoch bigint not null default 0;

-- The latest media epoch key of each doorbell wrapped to each member client (docs/media.md). Ciphertext
-- only the client's own browser key opens.
create table media_keys (
    device_id     text    not null references devices (id) on delete cascade,
    client_id     text    not null references member_clients (id) on delete cascade,
    epoch         bigint  not null,
    slot          integer not null,
    ephemeral_key text    not null,
    nonce         text    not null,
    wrapped       text    not null,
    updated_at    timestamptz not null,
    primary key (device_id, client_id)
);
