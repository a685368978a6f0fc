%% Elixir DynamicSupervisor callback module (module-based start).
-module(conf_dynsup).
-export([init/1]).

init({Opts, Label}) ->
    conformance:hello(Label, sup),
    conformance:ev(init),
    'Elixir.DynamicSupervisor':init(Opts).
