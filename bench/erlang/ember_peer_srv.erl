%% The server of the `call` workload: a plain gen_server holding a counter.
-module(ember_peer_srv).
-behaviour(gen_server).
-export([start/0, init/1, handle_call/3, handle_cast/2]).

start() -> gen_server:start(?MODULE, 0, []).

init(State) -> {ok, State}.

handle_call({add, X}, _From, State) ->
    S = State + X,
    {reply, S, S}.

handle_cast(_Msg, State) -> {noreply, State}.
