-- Issue 17, reaching a doorbell whose link is on another node (docs/cluster-state.md). Named for what it holds, so an
-- integrator can renumber it if another V17 lands first.

-- Which node holds each doorbell's link (cluster nodes only; a single hub leaves it empty). Written when a link is
-- welcomed, deleted when it closes; a node deletes its own rows when it starts, and the rows of a node found gone.
create table cluster_links (
    device_id  text primary key references devices (id) on delete cascade,
    node_name  text not null,
    opened_at  bigint not null
);
create index cluster_links_node on cluster_links (node_name);

-- Pending and finished claims, so a claim started on one node completes on the node the doorbell connects to. The
-- setup code is not here: it stays in the memory of the node that issued the ticket, which runs the SRP proof. The
-- ticket itself is kept only as its SHA-256 (a copy of the table cannot be shown to a doorbell).
create table claim_tickets (
    handle                text primary key,
    ticket_hash           bytea not null unique,
    account_id            text not null references accounts (id) on delete cascade,
    household_id          text not null references households (id) on delete cascade,
    device_name           text not null,
    owner_key_fingerprint text not null,
    issued_by             text not null,
    expires_at            timestamptz not null,
    taken                 boolean not null default false,
    state                 text not null default 'waiting',
    device_id             text,
    reason                text
);
create index claim_tickets_expires_at on claim_tickets (expires_at);

-- A passkey registration between its options and its answer (5 minutes at most), per browser session (by the
-- SHA-256 of the session id): the options' challenge, the user and the rules the answer is checked against.
create table passkey_ceremonies (
    session_hash bytea primary key,
    options      text not null,
    expires_at   timestamptz not null
);
create index passkey_ceremonies_expires_at on passkey_ceremonies (expires_at);
