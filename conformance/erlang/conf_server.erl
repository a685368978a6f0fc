%% gen_server callback module driven by data (see ../FORMAT.md, "Servers").
%% Every callback reports an event to the conformance director.
-module(conf_server).
-behaviour(gen_server).

-export([start_link/1, start_link/2, start_link/3, start_result/1]).
-export([init/1, handle_call/3, handle_cast/2, handle_info/2, handle_continue/2, terminate/2]).

%% Child start functions (supervisor / DynamicSupervisor).
%%   start_link(Opts, Label)            plain child
%%   start_link(Opts) + extra [Label]   simple_one_for_one (extra args appended)
%%   start_link(Opts, Label, X)         simple_one_for_one with a second extra arg
%%   start_link(E, Opts, Label)         DynamicSupervisor extra_arguments (prepended)
start_link(Opts) -> error({no_label, Opts}).
start_link(Opts, Label) -> start(Opts, Label, []).
start_link(E, Opts, Label) when is_list(Opts), is_atom(Label) -> start(Opts, Label, {extra_before, [E]});
start_link(Opts, Label, X) when is_list(Opts) -> start(Opts, Label, {extra_after, [X]}).

start(Opts, Label, Extra) ->
    case lists:keyfind(name, 1, Opts) of
        {_, N} -> gen_server:start_link({local, N}, ?MODULE, {Opts, Label, Extra}, []);
        false -> gen_server:start_link(?MODULE, {Opts, Label, Extra}, [])
    end.

%% A start function that does not start anything.
start_result(crash) -> error(boom);
start_result({error, R}) -> {error, R};
start_result(ignore) -> ignore;
start_result({bad, V}) -> V.

init({Opts, Label, Extra}) ->
    conformance:hello(Label, server),
    case Extra of
        [] -> conformance:ev(init);
        _ -> conformance:ev(init, Extra)
    end,
    lists:member(trap_exit, Opts) andalso process_flag(trap_exit, true),
    case lists:keyfind(report_whereis, 1, Opts) of
        {_, N} -> conformance:ev(whereis, whereis(N));
        false -> ok
    end,
    case lists:keyfind(send_self, 1, Opts) of
        {_, M} -> self() ! M;
        false -> ok
    end,
    S = #{opts => Opts, label => Label, deferred => []},
    init_result(init_spec(Opts, Label), S).

init_spec(Opts, Label) ->
    case lists:keyfind(init_seq, 1, Opts) of
        {_, Seq} ->
            N = ets:update_counter(conf_counts, Label, 1, {Label, 0}),
            lists:nth(min(N, length(Seq)), Seq);
        false ->
            case lists:keyfind(init, 1, Opts) of
                {_, I} -> I;
                false -> ok
            end
    end.

init_result(ok, S) -> {ok, S};
init_result({continue, C}, S) -> {ok, S, {continue, C}};
init_result({timeout, T}, S) -> {ok, S, T};
init_result(hibernate, S) -> {ok, S, hibernate};
init_result(ignore, _) -> ignore;
init_result({stop, R}, _) -> {stop, R};
init_result(crash, _) -> error(boom);
init_result({exit, R}, _) -> exit(R);
init_result({throw, I}, S) -> throw(init_result(I, S));
init_result({bad, V}, _) -> V;
init_result({sleep, T, I}, S) -> timer:sleep(T), init_result(I, S).

handle_call(Req, From, S) ->
    conformance:ev(handle_call, Req),
    call(Req, From, S).

call({reply, V}, _, S) -> {reply, V, S};
call({sleep, T, V}, _, S) -> timer:sleep(T), {reply, V, S};
call({stop, R, V}, _, S) -> {stop, R, V, S};
call({stop, R}, _, S) -> {stop, R, S};
call(crash, _, _) -> error(boom);
call({exit, R}, _, _) -> exit(R);
call(defer, From, S = #{deferred := Ds}) -> {noreply, S#{deferred := Ds ++ [From]}};
call({defer_to, Pid}, From, S) -> Pid ! {deferred, From}, {noreply, S};
call({reply_deferred, V}, _, S) -> {reply, ok, reply_deferred(V, S)};
call({bad, V}, _, _) -> V;
call({throw, V}, _, S) -> throw({reply, V, S});
call({continue, C, V}, _, S) -> {reply, V, S, {continue, C}};
call({timeout, T, V}, _, S) -> {reply, V, S, T};
call(call_self, _, S) -> {reply, gen_server:call(self(), ping), S};
call(_, _, S) -> {reply, ok, S}.

handle_cast(Msg, S) ->
    conformance:ev(handle_cast, Msg),
    async(Msg, S).

handle_info(Msg, S) ->
    conformance:ev(handle_info, Msg),
    async(Msg, S).

handle_continue(C, S) ->
    conformance:ev(handle_continue, C),
    async(C, S).

async({stop, R}, S) -> {stop, R, S};
async(crash, _) -> error(boom);
async({exit, R}, _) -> exit(R);
async({reply_deferred, V}, S) -> {noreply, reply_deferred(V, S)};
async({sleep, T}, S) -> timer:sleep(T), {noreply, S};
async(_, S) -> {noreply, S}.

reply_deferred(V, S = #{deferred := Ds}) ->
    [gen_server:reply(F, V) || F <- Ds],
    S#{deferred := []}.

terminate(R, #{opts := Opts}) ->
    conformance:ev(terminate, R),
    case lists:keyfind(terminate_sleep, 1, Opts) of
        {_, T} -> timer:sleep(T);
        false -> ok
    end.
