-- What the nodes of a cluster share through PostgreSQL (docs/cluster-state.md). A single hub leaves these empty.

-- Hub keys made once by the first node: each sealed (AES-256-GCM) under a key derived from the join secret,
-- with its name as associated data. Never written again: a node that cannot open them refuses to start.
create table cluster_hub_keys (
    name       text primary key,
    sealed     text not null,
    created_at timestamptz not null,
    created_by text not null
);

-- Token buckets of the limits every node must share (sign-in, sign-up, claims, one-time secrets ...).
create table cluster_rate_buckets (
    bucket     text primary key,
    tokens     double precision not null,
    updated_at bigint not null,
    allowed    boolean not null,
    full_at    bigint not null
);
create index cluster_rate_buckets_full_at on cluster_rate_buckets (full_at);

-- When each cluster-wide chore last ran, and where: the node that takes the chore's advisory lock runs it only
-- when no node has run it this period.
create table cluster_chores (
    chore       text primary key,
    last_run_at timestamptz not null,
    node        text not null
);
