%% The supervisor of the `restart` and `crash_isolation` workloads: one_for_one, one permanent
%% ember_peer_worker per name, an intensity above the number of crashes the run will cause.
-module(ember_peer_sup).
-behaviour(supervisor).
-export([start_link/2, init/1]).

start_link(Names, Intensity) -> supervisor:start_link(?MODULE, {Names, Intensity}).

init({Names, Intensity}) ->
    Flags = #{strategy => one_for_one, intensity => Intensity, period => 5},
    Specs = [#{id => N, start => {ember_peer_worker, start_link, [N]}} || N <- Names],
    {ok, {Flags, Specs}}.
