-- Issue 18, one Home Assistant link per household across a cluster (docs/cluster-state.md). Named for what it holds,
-- so an integrator can renumber it if another V18 lands first.

-- A duty only one cluster node may do at a time (today: 'mqtt', every household's broker link). A node takes or
-- renews it with a conditional update every few seconds; expires_at is in the database's clock, so the nodes'
-- clocks do not matter. A single hub leaves it empty.
create table cluster_leases (
    name       text primary key,
    node_name  text not null,
    expires_at timestamptz not null
);

-- How the household's broker link is doing, as the node holding it last saw it (cluster nodes only; a single hub
-- keeps it in memory): every node shows the owner the same status.
alter table mqtt_integrations
    add column link_state  text not null default 'connecting',
    add column link_detail text not null default 'connecting';
