%% supervisor callback module: returns the flags and child specs it is given.
-module(conf_sup).
-behaviour(supervisor).
-export([start_link/3, init/1]).

start_link(Flags, Children, Label) ->
    supervisor:start_link(?MODULE, {Flags, Children, Label}).

init({Flags, Children, Label}) ->
    conformance:hello(Label, sup),
    conformance:ev(init),
    case Flags of
        ignore -> ignore;
        _ ->
            FlagMap = maps:from_list(Flags),
            Strategy = maps:get(strategy, FlagMap, one_for_one),
            {ok, {FlagMap, [conformance:child_spec(C, Strategy) || C <- Children]}}
    end.
