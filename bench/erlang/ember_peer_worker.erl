%% The supervised worker of the `restart` and `crash_isolation` workloads: a gen_server
%% registered under a name, holding a sum; `crash` makes it exit (a bad input).
-module(ember_peer_worker).
-behaviour(gen_server).
-export([start_link/1, init/1, handle_call/3, handle_cast/2]).

start_link(Name) -> gen_server:start_link({local, Name}, ?MODULE, 0, []).

init(Sum) -> {ok, Sum}.

handle_call({work, X}, _From, Sum) ->
    S = Sum + X,
    {reply, S, S};
handle_call(crash, _From, _Sum) ->
    exit(crash).

handle_cast(_Msg, Sum) -> {noreply, Sum}.
