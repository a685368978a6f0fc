%% ember differential conformance suite -- the Erlang/OTP interpreter.
%%
%% Reads scenario files (see ../FORMAT.md), runs each one on real Erlang/OTP
%% and prints the normalized event trace.
%%
%%   erl -noshell -pa ebin [-pa <elixir ebin>] -run conformance main \
%%       [out=DIR] [repeat=N] FILE...
%%
%% out=DIR   write DIR/<name>.trace (default: print to stdout)
%% repeat=N  run every scenario N times; the runs must be identical,
%%           otherwise the scenario is reported as NONDETERMINISTIC and the
%%           exit status is 1.
%% jitter=N  sleep a random 0..N ms before each message to the director
%%           (a stress mode for finding scenarios that depend on timing).
-module(conformance).

-export([main/1]).
%% used by spawned processes and by the callback modules
-export([child_entry/2, hello/2, ev/1, ev/2, child_spec/2, run_script_value/1]).

-define(DIR, conf_director).        % registered name of the per-scenario director
-define(COUNTS, conf_counts).       % ETS table of per-label start counters
-define(CMD_TIMEOUT, 10000).        % a command that takes longer aborts the scenario
-define(SCENARIO_TIMEOUT, 30000).
-define(SETTLE_MS, 60).             % quiet period before the final report
-define(RECV_DEFAULT, 2000).

%%====================================================================
%% Command line
%%====================================================================

main(Args) ->
    logger:set_primary_config(level, none),
    {Out, Repeat, Files} = parse_args(Args, stdout, 1, []),
    ets:new(?COUNTS, [named_table, public, set]),
    Results = [run_file(F, Out, Repeat) || F <- Files],
    Bad = [N || {N, nondeterministic} <- Results],
    Code = case Bad of
               [] -> 0;
               _ ->
                   io:format(standard_error, "NONDETERMINISTIC: ~s~n",
                             [lists:join(" ", Bad)]),
                   1
           end,
    io:format(standard_error, "erlang: ~w scenario(s) run, ~w repeat(s) each, ~w nondeterministic~n",
              [length(Results), Repeat, length(Bad)]),
    halt(Code).

parse_args([], Out, Rep, Fs) -> {Out, Rep, lists:reverse(Fs)};
parse_args(["out=" ++ D | T], _, Rep, Fs) -> parse_args(T, {dir, D}, Rep, Fs);
parse_args(["repeat=" ++ N | T], Out, _, Fs) -> parse_args(T, Out, list_to_integer(N), Fs);
parse_args(["jitter=" ++ N | T], Out, Rep, Fs) ->
    persistent_term:put(conf_jitter, list_to_integer(N)),
    parse_args(T, Out, Rep, Fs);
parse_args([F | T], Out, Rep, Fs) -> parse_args(T, Out, Rep, [F | Fs]).

run_file(File, Out, Repeat) ->
    Name = filename:basename(File, ".scn"),
    Runs = [run_one(File) || _ <- lists:seq(1, Repeat)],
    [First | Rest] = Runs,
    Text = [[L, $\n] || L <- First],
    case Out of
        stdout -> io:format("== ~s~n~s", [Name, Text]);
        {dir, D} -> ok = file:write_file(filename:join(D, Name ++ ".trace"), Text)
    end,
    case lists:all(fun(R) -> R =:= First end, Rest) of
        true -> {Name, ok};
        false ->
            [io:format(standard_error, "--- ~s run ~w differs:~n~s", [Name, I, [[L, $\n] || L <- R]])
             || {I, R} <- lists:zip(lists:seq(2, Repeat), Rest), R =/= First],
            {Name, nondeterministic}
    end.

run_one(File) ->
    case file:consult(File) of
        {ok, Steps} ->
            ets:delete_all_objects(?COUNTS),
            run_steps_isolated(Steps);
        {error, E} ->
            ["0 director parse_error " ++ lists:flatten(io_lib:format("~0p", [E]))]
    end.

run_steps_isolated(Steps) ->
    Self = self(),
    {Pid, MRef} = spawn_monitor(fun() -> director(Self, Steps) end),
    collect(Pid, MRef, []).

collect(Pid, MRef, Acc) ->
    receive
        {line, Pid, L} -> collect(Pid, MRef, [L | Acc]);
        {'DOWN', MRef, process, Pid, normal} -> lists:reverse(Acc);
        {'DOWN', MRef, process, Pid, R} ->
            lists:reverse(["999 director crashed " ++ lists:flatten(io_lib:format("~0p", [R])) | Acc])
    after ?SCENARIO_TIMEOUT ->
            exit(Pid, kill),
            lists:reverse(["999 director TIMEOUT" | Acc])
    end.

%%====================================================================
%% Director: executes the steps, owns labels/bindings, prints the trace
%%====================================================================

-record(d, {runner,
            n = 0,
            names = #{},        % binding name -> value
            labels = #{},       % pid | ref -> label atom
            used = #{},         % label atoms in use
            order = [],         % labelled+monitored pids, reverse labelling order
            mons = #{},         % pid -> monitor ref
            dead = #{},         % pid -> exit reason
            reported = #{},     % pid -> true once its death was printed
            actors = #{},       % pid -> true for command-driven actors
            done = #{},         % pid -> {Outcome, Elapsed}
            pending = #{},      % pid -> {Action, Bind} of a nowait command
            pcount = 0,
            rcount = 0}).

director(Runner, Steps) ->
    register(?DIR, self()),
    D0 = #d{runner = Runner},
    Main = spawn(?MODULE, child_entry, [main, []]),
    D1 = label(main, Main, D0),
    D2 = wait_until(fun(D) -> maps:is_key(Main, D#d.actors) end, 5000, D1),
    D3 = try steps(Steps, D2)
         catch throw:{abort, Why, Dx} ->
                 emit(director, io_lib:format("aborted ~s", [Why]), Dx)
         end,
    D4 = final_report(D3),
    cleanup(D4).

steps([], D) -> D;
steps([S | T], D) -> steps(T, step(S, D)).

step({sleep, Ms}, D) when is_integer(Ms) ->
    wait_until(fun(_) -> false end, Ms, D);
step({await_exit, L}, D) ->
    step({await_exit, L, '_'}, D);
step({await_exit, L, Mask}, D) ->
    Pid = lookup_pid(L, D),
    D1 = wait_until(fun(Dx) -> maps:is_key(Pid, Dx#d.dead) end, 5000, D),
    case maps:is_key(Pid, D1#d.dead) of
        true ->
            R = maps:get(Pid, D1#d.dead),
            report_down(Pid, D1#d{dead = maps:put(Pid, mask(Mask, R), D1#d.dead)});
        false -> emit_who(Pid, "still_alive", D1)
    end;
step({await, L}, D) ->
    Pid = lookup_pid(L, D),
    case maps:find(Pid, D#d.pending) of
        error -> throw({abort, io_lib:format("await ~w: nothing pending", [L]), D});
        {ok, {Action, Bind}} ->
            D1 = D#d{pending = maps:remove(Pid, D#d.pending)},
            finish_cmd(Pid, Action, Bind, D1)
    end;
step({Actor, Action}, D) when is_atom(Actor) ->
    command(Actor, Action, '_', D);
step({Actor, Action, Bind}, D) when is_atom(Actor) ->
    command(Actor, Action, Bind, D);
step(Other, D) ->
    throw({abort, io_lib:format("bad step ~0p", [Other]), D}).

command(Actor, Action0, Bind, D0) ->
    Pid = lookup_pid(Actor, D0),
    %% wait until the actor has finished its initial body (or died)
    D = wait_until(fun(Dx) -> maps:is_key(Pid, Dx#d.actors) orelse maps:is_key(Pid, Dx#d.dead) end,
                   ?CMD_TIMEOUT, D0),
    (maps:is_key(Pid, D#d.actors) orelse maps:is_key(Pid, D#d.dead)) orelse
        throw({abort, io_lib:format("~w is not a ready actor", [Actor]), D}),
    maps:is_key(Pid, D#d.pending) andalso
        throw({abort, io_lib:format("~w is busy (nowait pending)", [Actor]), D}),
    case maps:is_key(Pid, D#d.dead) of
        true -> report_down(Pid, D);
        false ->
            Action = resolve(Action0, D),
            {NoWait, Action1} = case Action of
                                    {nowait, A} -> {true, A};
                                    _ -> {false, Action}
                                end,
            Pid ! {'$cmd', Action1},
            case NoWait of
                true -> D#d{pending = maps:put(Pid, {Action1, Bind}, D#d.pending)};
                false -> finish_cmd(Pid, Action1, Bind, D)
            end
    end.

finish_cmd(Pid, Action, Bind, D) ->
    D1 = wait_until(fun(Dx) -> maps:is_key(Pid, Dx#d.done) orelse maps:is_key(Pid, Dx#d.dead) end,
                    ?CMD_TIMEOUT, D),
    case maps:find(Pid, D1#d.done) of
        {ok, {Outcome, Elapsed}} ->
            D2 = D1#d{done = maps:remove(Pid, D1#d.done)},
            {Core, Flags} = strip(Action),
            D3 = case Outcome of
                     {value, V} -> do_bind(Bind, V, D2);
                     _ -> D2
                 end,
            D4 = case lists:member(quiet, Flags) of
                     true -> D3;
                     false -> print_outcome(Pid, op_name(Core), Outcome, D3)
                 end,
            case {lists:keyfind(timed, 1, Flags), Elapsed} of
                {{timed, Lo, Hi}, Ms} when is_integer(Ms), Ms >= Lo, Ms < Hi ->
                    emit_who(Pid, "elapsed ok", D4);
                {{timed, _, _}, Ms} ->
                    emit_who(Pid, io_lib:format("elapsed {out,~w}", [Ms]), D4);
                _ -> D4
            end;
        error ->
            case maps:is_key(Pid, D1#d.dead) of
                true -> report_down(Pid, D1);
                false ->
                    D2 = emit_who(Pid, ["stuck ", atom_to_list(op_name(element(1, strip(Action))))], D1),
                    throw({abort, "command timeout", D2})
            end
    end.

print_outcome(Pid, Op, {value, V}, D) ->
    {Txt, D1} = render(V, D),
    emit_who(Pid, [atom_to_list(Op), " -> ", Txt], D1);
print_outcome(Pid, Op, {raised, C, R}, D) ->
    {Txt, D1} = render(R, D),
    emit_who(Pid, [atom_to_list(Op), " !! ", atom_to_list(C), " ", Txt], D1).

%% Strip the wrappers; returns {CoreAction, Flags}.
strip(A) -> strip(A, []).
strip({quiet, A}, F) -> strip(A, [quiet | F]);
strip({timed, Lo, Hi, A}, F) -> strip(A, [{timed, Lo, Hi} | F]);
strip({approx, Lo, Hi, A}, F) -> strip(A, [{approx, Lo, Hi} | F]);
strip({mask, P, A}, F) -> strip(A, [{mask, P} | F]);
strip({'try', A}, F) -> strip(A, ['try' | F]);
strip({uncaught, A}, F) -> strip(A, [uncaught | F]);
strip(A, F) -> {A, F}.

op_name(A) when is_atom(A) -> A;
op_name(A) when is_tuple(A) -> element(1, A).

lookup_pid(L, D) ->
    case maps:find(L, D#d.names) of
        {ok, P} when is_pid(P) -> P;
        _ -> throw({abort, io_lib:format("unknown process ~w", [L]), D})
    end.

%% Replace {'@', Name} by the bound value (except {'@', self}).
resolve({'@', self}, _D) -> {'@', self};
resolve({'@', N}, D) when is_atom(N) ->
    case maps:find(N, D#d.names) of
        {ok, V} -> V;
        error -> throw({abort, io_lib:format("unbound name ~w", [N]), D})
    end;
resolve(T, D) when is_tuple(T) -> list_to_tuple(resolve(tuple_to_list(T), D));
resolve([H | T], D) -> [resolve(H, D) | resolve(T, D)];
resolve(X, _) -> X.

%% Bind pattern: '_' ignores, an atom names the value, tuples/lists destructure.
do_bind('_', _, D) -> D;
do_bind(N, V, D) when is_atom(N) ->
    D1 = D#d{names = maps:put(N, V, D#d.names)},
    case (is_pid(V) orelse is_reference(V)) andalso not maps:is_key(V, D1#d.labels) of
        true -> label(N, V, D1);
        false -> D1
    end;
do_bind(P, V, D) when is_tuple(P), is_tuple(V), tuple_size(P) =:= tuple_size(V) ->
    do_bind(tuple_to_list(P), tuple_to_list(V), D);
do_bind([P | Ps], [V | Vs], D) -> do_bind(Ps, Vs, do_bind(P, V, D));
do_bind([], [], D) -> D;
do_bind(_, _, D) -> D.

%% Give Term (pid or ref) the label Base, or Base@K if Base is taken.
label(Base, Term, D) ->
    case maps:is_key(Term, D#d.labels) of
        true -> D;
        false ->
            L = free_label(Base, 1, D),
            D1 = D#d{labels = maps:put(Term, L, D#d.labels),
                     used = maps:put(L, true, D#d.used),
                     names = maps:put(L, Term, D#d.names)},
            case is_pid(Term) of
                true -> watch(Term, D1);
                false -> D1
            end
    end.

free_label(Base, K, D) ->
    L = case K of
            1 -> Base;
            _ -> list_to_atom(atom_to_list(Base) ++ "@" ++ integer_to_list(K))
        end,
    case maps:is_key(L, D#d.used) of
        true -> free_label(Base, K + 1, D);
        false -> L
    end.

watch(Pid, D) ->
    case maps:is_key(Pid, D#d.mons) of
        true -> D;
        false ->
            R = erlang:monitor(process, Pid),
            D#d{mons = maps:put(Pid, R, D#d.mons), order = [Pid | D#d.order]}
    end.

%% Handle incoming messages until Pred(D) holds or Ms elapsed.
wait_until(Pred, Ms, D) ->
    Deadline = erlang:monotonic_time(millisecond) + Ms,
    wait_loop(Pred, Deadline, D).

wait_loop(Pred, Deadline, D) ->
    case Pred(D) of
        true -> D;
        false ->
            Left = max(0, Deadline - erlang:monotonic_time(millisecond)),
            receive
                Msg -> wait_loop(Pred, Deadline, handle(Msg, D))
            after Left -> D
            end
    end.

handle({'$hello', L, Kind, Pid, Ref}, D) ->
    _ = Kind,
    D1 = label(L, Pid, D),
    D2 = watch(Pid, D1),
    Pid ! {Ref, ok},
    D2;
handle({'$ready', Pid}, D) ->
    D#d{actors = maps:put(Pid, true, D#d.actors)};
handle({'$label', L, Pid}, D) ->
    label(L, Pid, D);
handle({'$ev', Pid, Kind}, D) ->
    emit_who(Pid, atom_to_list(Kind), D);
handle({'$ev', Pid, Kind, Term}, D) ->
    {Txt, D1} = render(Term, D),
    emit_who(Pid, [atom_to_list(Kind), " ", Txt], D1);
handle({'$done', Pid, Outcome, Elapsed}, D) ->
    D#d{done = maps:put(Pid, {Outcome, Elapsed}, D#d.done)};
handle({'DOWN', _R, process, Pid, Reason}, D) ->
    case maps:is_key(Pid, D#d.mons) of
        true -> D#d{dead = maps:put(Pid, Reason, D#d.dead)};
        false -> D
    end;
handle(_Other, D) ->
    D.

report_down(Pid, D) ->
    case maps:is_key(Pid, D#d.reported) of
        true -> D;
        false ->
            {Txt, D1} = render(maps:get(Pid, D#d.dead), D),
            D2 = emit_who(Pid, ["down ", Txt], D1),
            D2#d{reported = maps:put(Pid, true, D2#d.reported)}
    end.

emit_who(Pid, Text, D) ->
    {Who, D1} = who(Pid, D),
    emit(Who, Text, D1).

emit(Who, Text, D) ->
    N = D#d.n + 1,
    Line = lists:flatten(io_lib:format("~w ~s ~s", [N, Who, Text])),
    D#d.runner ! {line, self(), Line},
    D#d{n = N}.

who(Pid, D) ->
    {L, D1} = pid_label(Pid, D),
    {atom_to_list(L), D1}.

final_report(D0) ->
    D = wait_until(fun(_) -> false end, ?SETTLE_MS, D0),
    lists:foldl(fun final_one/2, D, lists:reverse(D#d.order)).

final_one(Pid, D) ->
    case maps:is_key(Pid, D#d.dead) of
        true -> report_down(Pid, D);
        false ->
            case {maps:is_key(Pid, D#d.actors), maps:is_key(Pid, D#d.pending)} of
                {true, true} -> emit_who(Pid, "busy", D);
                {true, false} ->
                    Pid ! {'$final', self()},
                    receive
                        {'$final', Pid, Msgs} ->
                            {Txt, D1} = render(Msgs, D),
                            emit_who(Pid, ["alive ", Txt], D1)
                    after 2000 -> emit_who(Pid, "alive unresponsive", D)
                    end;
                {false, _} -> emit_who(Pid, "alive", D)
            end
    end.

%% Kill everything the scenario created and wait until it is gone.
cleanup(D) ->
    Pids = [P || P <- maps:keys(D#d.labels), is_pid(P), P =/= self()],
    Mons = [{P, erlang:monitor(process, P)} || P <- Pids],
    [exit(P, kill) || P <- Pids],
    [receive {'DOWN', R, process, P, _} -> ok after 2000 -> ok end || {P, R} <- Mons],
    %% Unlabelled processes (Registry partitions, ...) are linked to labelled
    %% ones and die with them; registered names are freed with their owners.
    ok.

%%====================================================================
%% Rendering
%%====================================================================

render(T, D) ->
    {Parts, D1} = r(normalize(T), D),
    {lists:flatten(Parts), D1}.

%% {E, Stack} -> {E, '_stack'}: any non-empty list of {M,F,A,Loc} frames.
normalize(T) when is_list(T) ->
    case is_stack(T) of
        true -> '_stack';
        false -> normalize_list(T)
    end;
normalize(T) when is_tuple(T) -> list_to_tuple([normalize(E) || E <- tuple_to_list(T)]);
normalize(T) when is_map(T) -> maps:from_list([{normalize(K), normalize(V)} || {K, V} <- maps:to_list(T)]);
normalize(T) -> T.

normalize_list([]) -> [];
normalize_list([H | T]) -> [normalize(H) | normalize_list(T)];
normalize_list(Tail) -> normalize(Tail).

is_stack([_ | _] = L) ->
    try lists:all(fun({M, F, A, Loc}) when is_atom(M), is_atom(F), is_list(Loc),
                                           (is_integer(A) orelse is_list(A)) -> true;
                     (_) -> false
                  end, L)
    catch _:_ -> false
    end;
is_stack(_) -> false.

r(A, D) when is_atom(A) -> {render_atom(A), D};
r(I, D) when is_integer(I) -> {integer_to_list(I), D};
r(P, D) when is_pid(P) ->
    {L, D1} = pid_label(P, D),
    {["<", atom_to_list(L), ">"], D1};
r(R, D) when is_reference(R) ->
    {L, D1} = ref_label(R, D),
    {["#", atom_to_list(L)], D1};
r(T, D) when is_tuple(T) ->
    {Es, D1} = r_seq(tuple_to_list(T), D),
    {["{", lists:join(",", Es), "}"], D1};
r([], D) -> {"[]", D};
r(L, D) when is_list(L) -> r_list(L, [], D);
r(#{'__struct__' := 'Elixir.Task', pid := P}, D) ->
    {Ps, D1} = r(P, D),
    {["%Task{", Ps, "}"], D1};
r(#{'__struct__' := S, '__exception__' := true}, D) ->
    {["%", struct_name(S), "{}"], D};
r(#{'__struct__' := S} = M, D) ->
    {Es, D1} = r_kv(lists:sort(maps:to_list(maps:remove('__struct__', M))), "=", D),
    {["%", struct_name(S), "{", lists:join(",", Es), "}"], D1};
r(M, D) when is_map(M) ->
    {Es, D1} = r_kv(lists:sort(maps:to_list(M)), "=>", D),
    {["#{", lists:join(",", Es), "}"], D1};
r(B, D) when is_binary(B) ->
    case io_lib:printable_latin1_list(binary_to_list(B)) of
        true -> {["<<\"", binary_to_list(B), "\">>"], D};
        false -> {io_lib:format("~w", [B]), D}
    end;
r(F, D) when is_function(F) -> {"#fun", D};
r(X, D) -> {io_lib:format("~w", [X]), D}.

r_seq(L, D) ->
    lists:mapfoldl(fun(E, Dx) -> r(E, Dx) end, D, L).

r_list([H | T], Acc, D) ->
    {S, D1} = r(H, D),
    case T of
        [] -> {["[", lists:join(",", lists:reverse([S | Acc])), "]"], D1};
        [_ | _] -> r_list(T, [S | Acc], D1);
        Tail ->
            {St, D2} = r(Tail, D1),
            {["[", lists:join(",", lists:reverse([S | Acc])), "|", St, "]"], D2}
    end.

r_kv(KVs, Sep, D) ->
    lists:mapfoldl(fun({K, V}, Dx) ->
                           {Ks, D1} = r(K, Dx),
                           {Vs, D2} = r(V, D1),
                           {[Ks, Sep, Vs], D2}
                   end, D, KVs).

struct_name(S) ->
    case atom_to_list(S) of
        "Elixir." ++ N -> N;
        N -> N
    end.

render_atom(A) ->
    S = atom_to_list(A),
    case S of
        [C | Rest] when C >= $a, C =< $z ->
            case lists:all(fun plain_char/1, Rest) of
                true -> S;
                false -> quote_atom(S)
            end;
        _ -> quote_atom(S)
    end.

plain_char(C) -> (C >= $a andalso C =< $z) orelse (C >= $A andalso C =< $Z)
                     orelse (C >= $0 andalso C =< $9) orelse C =:= $_ orelse C =:= $@.

quote_atom(S) ->
    [$' | lists:flatmap(fun($') -> "\\'"; ($\\) -> "\\\\"; (C) -> [C] end, S)] ++ "'".

pid_label(P, D) when P =:= self() -> {director, D};
pid_label(P, D) ->
    case maps:find(P, D#d.labels) of
        {ok, L} -> {L, D};
        error ->
            N = D#d.pcount + 1,
            L = free_label(list_to_atom("p" ++ integer_to_list(N)), 1, D),
            {L, D#d{pcount = N, labels = maps:put(P, L, D#d.labels),
                    used = maps:put(L, true, D#d.used),
                    names = maps:put(L, P, D#d.names)}}
    end.

ref_label(R, D) ->
    case maps:find(R, D#d.labels) of
        {ok, L} -> {L, D};
        error ->
            N = D#d.rcount + 1,
            L = free_label(list_to_atom("ref" ++ integer_to_list(N)), 1, D),
            {L, D#d{rcount = N, labels = maps:put(R, L, D#d.labels),
                    used = maps:put(L, true, D#d.used),
                    names = maps:put(L, R, D#d.names)}}
    end.

%%====================================================================
%% Helpers for processes under test
%%====================================================================

%% Synchronous hello: the director labels and monitors the caller before it
%% goes on, so every exit reason is observed.
hello(Label, Kind) ->
    case whereis(?DIR) of
        undefined -> ok;
        D ->
            Ref = make_ref(),
            D ! {'$hello', Label, Kind, self(), Ref},
            receive {Ref, ok} -> ok after 5000 -> ok end
    end.

ev(Kind) -> send_dir({'$ev', self(), Kind}).
ev(Kind, Term) -> send_dir({'$ev', self(), Kind, Term}).

send_dir(Msg) ->
    jitter(),
    case whereis(?DIR) of
        undefined -> ok;
        D -> D ! Msg, ok
    end.

label_msg(L, Pid) -> send_dir({'$label', L, Pid}).

%% jitter=N: sleep 0..N ms before every message to the director, to expose
%% scenarios whose trace depends on scheduling rather than on causality.
jitter() ->
    case persistent_term:get(conf_jitter, 0) of
        0 -> ok;
        N -> receive after rand:uniform(N + 1) - 1 -> ok end
    end.

%%====================================================================
%% Actors
%%====================================================================

child_entry(Label, Body) ->
    hello(Label, actor),
    run_script(Body),
    send_dir({'$ready', self()}),
    actor_loop().

actor_loop() ->
    receive
        {'$cmd', Action} ->
            erase('$elapsed'),
            Out = exec(Action),
            jitter(),
            ?DIR ! {'$done', self(), Out, get('$elapsed')},
            actor_loop();
        {'$final', From} ->
            From ! {'$final', self(), drain()},
            actor_loop()
    end.

run_script(Body) -> run_script_value(Body), ok.

%% Runs a body (list of actions) silently; returns the last action's value.
run_script_value(Body) ->
    lists:foldl(fun(A, _) ->
                        case exec(A) of
                            {value, V} -> V;
                            {raised, C, R} -> {raised, C, R}
                        end
                end, ok, Body).

terminal({exit, _}) -> true;
terminal({raise, _, _}) -> true;
terminal(crash) -> true;
terminal(return) -> true;
terminal(call_undefined) -> true;
terminal(_) -> false.

%% exec(Action) -> {value, V} | {raised, Class, Reason}
exec(Action) ->
    {Core, Flags} = strip(Action),
    Catch = case {lists:member('try', Flags), lists:member(uncaught, Flags)} of
                {true, _} -> true;
                {_, true} -> false;
                _ -> not terminal(Core)
            end,
    C1 = resolve_self(Core),
    T0 = erlang:monotonic_time(millisecond),
    Out = case Catch of
              true -> try {value, do(C1)} catch Cl:R -> {raised, Cl, R} end;
              false -> {value, do(C1)}
          end,
    case lists:keyfind(timed, 1, Flags) of
        {timed, _, _} -> put('$elapsed', erlang:monotonic_time(millisecond) - T0);
        false -> ok
    end,
    Out1 = case {lists:keyfind(approx, 1, Flags), Out} of
               {{approx, Lo, Hi}, {value, I}} when is_integer(I), I >= Lo, I =< Hi ->
                   {value, {approx, Lo, Hi}};
               _ -> Out
           end,
    case {lists:keyfind(mask, 1, Flags), Out1} of
        {{mask, P}, {value, V}} -> {value, mask(P, V)};
        {{mask, P}, {raised, Cls, Rsn}} -> {raised, Cls, mask(P, Rsn)};
        _ -> Out1
    end.

%% mask(Pattern, Value): '*' in the pattern replaces that part of the value by
%% the atom '*'; '_' keeps it; tuples/lists of the same shape recurse; any
%% other mismatch keeps the value unchanged.
mask('*', _) -> '*';
mask(P, V) when is_tuple(P), is_tuple(V), tuple_size(P) =:= tuple_size(V) ->
    list_to_tuple(mask(tuple_to_list(P), tuple_to_list(V)));
mask([P | Ps], [V | Vs]) -> [mask(P, V) | mask(Ps, Vs)];
mask(_, V) -> V.

%% {'@', self} -> self(), but not inside bodies (they resolve when they run).
resolve_self({'@', self}) -> self();
resolve_self({Op, L, Body}) when Op =:= spawn; Op =:= spawn_link; Op =:= spawn_monitor;
                                 Op =:= task_async ->
    {Op, L, Body};
resolve_self({task_async_nolink, S, L, Body}) -> {task_async_nolink, resolve_self(S), L, Body};
resolve_self({repeat, N, Body}) -> {repeat, N, Body};
resolve_self(T) when is_tuple(T) -> list_to_tuple([resolve_self(E) || E <- tuple_to_list(T)]);
resolve_self([H | T]) -> [resolve_self(H) | resolve_self(T)];
resolve_self(X) -> X.

drain() ->
    receive M -> [M | drain()] after 0 -> [] end.

recv(Pattern, Timeout) ->
    case prim_eval:'receive'(fun(M) ->
                                     case match(Pattern, M) of
                                         true -> {got, M};
                                         false -> nomatch
                                     end
                             end, Timeout) of
        {got, M} -> M;
        timeout -> timeout
    end.

match('_', _) -> true;
match(P, V) when is_tuple(P), is_tuple(V), tuple_size(P) =:= tuple_size(V) ->
    match(tuple_to_list(P), tuple_to_list(V));
match([P | Ps], [V | Vs]) -> match(P, V) andalso match(Ps, Vs);
match(P, V) -> P =:= V.

%%--------------------------------------------------------------------
%% The actions
%%--------------------------------------------------------------------

%% processes
do({spawn, L, Body}) -> P = spawn(?MODULE, child_entry, [L, Body]), label_msg(L, P), P;
do({spawn_link, L, Body}) -> P = spawn_link(?MODULE, child_entry, [L, Body]), label_msg(L, P), P;
do({spawn_monitor, L, Body}) ->
    {P, R} = spawn_monitor(?MODULE, child_entry, [L, Body]), label_msg(L, P), {P, R};
do({spawn_badarity, spawn_link}) -> spawn_link(fun(X) -> X end);
do({spawn_badarity, spawn_monitor}) -> spawn_monitor(fun(X) -> X end);
do(self) -> self();
do({value, V}) -> V;
do({exit, R}) -> exit(R);
do({exit, T, R}) -> exit(T, R);
do({raise, error, R}) -> error(R);
do({raise, exit, R}) -> exit(R);
do({raise, throw, R}) -> throw(R);
do(crash) -> error(boom);
do(return) -> exit(normal);
do(call_undefined) -> M = conf_no_such_module, M:f();
do({link, T}) -> link(T);
do({unlink, T}) -> unlink(T);
do({trap_exit, B}) -> process_flag(trap_exit, B);
do({process_flag, F, V}) -> process_flag(F, V);
do({is_process_alive, P}) -> is_process_alive(P);
do({process_info, P, Item}) -> process_info(P, Item);
do({repeat, N, Body}) -> [run_script(Body) || _ <- lists:seq(1, N)], ok;
%% monitors
do({monitor, T}) -> erlang:monitor(process, T);
do({monitor, T, Opts}) -> erlang:monitor(process, T, Opts);
do({demonitor, R}) -> erlang:demonitor(R);
do({demonitor, R, Opts}) -> erlang:demonitor(R, Opts);
%% names
do({register, N, P}) -> register(N, P);
do({unregister, N}) -> unregister(N);
do({whereis, N}) -> whereis(N);
%% messages
do({send, T, M}) -> T ! M;
do({recv, P}) -> recv(P, ?RECV_DEFAULT);
do({recv, P, T}) -> recv(P, T);
do(flush) -> drain();
do({sleep, T}) -> receive after T -> ok end;
%% timers
do({send_after, T, Dest, M}) -> erlang:send_after(T, Dest, M);
do({start_timer, T, Dest, M}) -> erlang:start_timer(T, Dest, M);
do({cancel_timer, R}) -> erlang:cancel_timer(R);
do({cancel_timer, R, Opts}) -> erlang:cancel_timer(R, Opts);
do({read_timer, R}) -> erlang:read_timer(R);
do({timer_send_after, T, Dest, M}) -> timer:send_after(T, Dest, M);
do({timer_send_interval, T, Dest, M}) -> timer:send_interval(T, Dest, M);
do({timer_cancel, R}) -> timer:cancel(R);
%% gen_server
do({gen_start, L, Opts}) -> gen_start(start, L, Opts);
do({gen_start_link, L, Opts}) -> gen_start(start_link, L, Opts);
do({gen_start_monitor, L, Opts}) -> gen_start(start_monitor, L, Opts);
do({call, S, Req}) -> gen_server:call(S, Req);
do({call, S, Req, T}) -> gen_server:call(S, Req, T);
do({cast, S, Msg}) -> gen_server:cast(S, Msg);
do({gen_stop, S}) -> gen_server:stop(S);
do({gen_stop, S, R, T}) -> gen_server:stop(S, R, T);
do({gen_reply, From, V}) -> gen_server:reply(From, V);
%% supervisor
do({sup_start_link, L, Flags, Children}) -> supervisor:start_link(conf_sup, {Flags, Children, L});
do({start_child, S, Spec}) -> supervisor:start_child(S, sup_child_arg(Spec));
do({terminate_child, S, Id}) -> supervisor:terminate_child(S, Id);
do({restart_child, S, Id}) -> supervisor:restart_child(S, Id);
do({delete_child, S, Id}) -> supervisor:delete_child(S, Id);
do({which_children, S}) -> supervisor:which_children(S);
do({count_children, S}) -> supervisor:count_children(S);
do({childspec_field, S, Id, K}) ->
    case supervisor:get_childspec(S, Id) of
        {ok, M} -> maps:get(K, M);
        E -> E
    end;
%% Elixir (section H)
do({task_async, L, Body}) ->
    T = 'Elixir.Task':async(fun() -> hello(L, task), run_script_value(Body) end),
    label_msg(L, maps:get(pid, T)),
    T;
do({task_sup_start_link, L}) ->
    {ok, P} = R = 'Elixir.Task.Supervisor':start_link([]),
    label_msg(L, P),
    R;
do({task_async_nolink, S, L, Body}) ->
    T = 'Elixir.Task.Supervisor':async_nolink(S, fun() -> hello(L, task), run_script_value(Body) end),
    label_msg(L, maps:get(pid, T)),
    T;
do({task_await, T, Ms}) -> 'Elixir.Task':await(T, Ms);
do({task_yield, T, Ms}) -> 'Elixir.Task':yield(T, Ms);
do({task_shutdown, T, How}) -> 'Elixir.Task':shutdown(T, How);
do({agent_start_link, L, V}) -> 'Elixir.Agent':start_link(fun() -> hello(L, agent), V end);
do({agent_get, A}) -> 'Elixir.Agent':get(A, fun(S) -> S end);
do({agent_get, A, Sleep, T}) -> 'Elixir.Agent':get(A, fun(S) -> timer:sleep(Sleep), S end, T);
do({agent_update, A, V}) -> 'Elixir.Agent':update(A, fun(_) -> V end);
do({agent_cast, A, V}) -> 'Elixir.Agent':cast(A, fun(_) -> V end);
do({agent_stop, A}) -> 'Elixir.Agent':stop(A);
do({dynsup_start_link, L, Opts}) -> 'Elixir.DynamicSupervisor':start_link(conf_dynsup, {Opts, L});
do({dynsup_start_child, S, Spec}) -> 'Elixir.DynamicSupervisor':start_child(S, child_spec(Spec, one_for_one));
do({dynsup_terminate_child, S, P}) -> 'Elixir.DynamicSupervisor':terminate_child(S, P);
do({dynsup_count_children, S}) -> 'Elixir.DynamicSupervisor':count_children(S);
do({dynsup_which_children, S}) -> 'Elixir.DynamicSupervisor':which_children(S);
do({registry_start_link, Name, Keys}) -> 'Elixir.Registry':start_link([{keys, Keys}, {name, Name}]);
do({registry_register, R, K, V}) -> 'Elixir.Registry':register(R, K, V);
do({registry_unregister, R, K}) -> 'Elixir.Registry':unregister(R, K);
do({registry_lookup, R, K}) -> 'Elixir.Registry':lookup(R, K);
do({registry_count, R}) -> 'Elixir.Registry':count(R);
do(Other) -> error({unknown_action, Other}).

gen_start(F, L, Opts) ->
    StartOpts = case lists:keyfind(start_timeout, 1, Opts) of
                    {_, T} -> [{timeout, T}];
                    false -> []
                end,
    Arg = {Opts, L, []},
    case lists:keyfind(name, 1, Opts) of
        {_, N} -> gen_server:F({local, N}, conf_server, Arg, StartOpts);
        false -> gen_server:F(conf_server, Arg, StartOpts)
    end.

sup_child_arg({Id, Opts}) when is_list(Opts) -> child_spec({Id, Opts}, one_for_one);
sup_child_arg(Extra) when is_list(Extra) -> Extra.

-define(SPEC_KEYS, [restart, shutdown, type, significant, modules]).

%% {Id, Opts} -> supervisor child spec map
child_spec({Id, Opts}, Strategy) ->
    ServerOpts = [O || O <- Opts, not lists:member(opt_key(O), ?SPEC_KEYS)],
    Start = case lists:keyfind(sup, 1, Opts) of
                {sup, Flags, Kids} -> {conf_sup, start_link, [Flags, Kids, Id]};
                false ->
                    case lists:keyfind(start_result, 1, Opts) of
                        {_, X} -> {conf_server, start_result, [X]};
                        false when Strategy =:= simple_one_for_one ->
                            {conf_server, start_link, [ServerOpts]};
                        false -> {conf_server, start_link, [ServerOpts, Id]}
                    end
            end,
    lists:foldl(fun(K, M) ->
                        case lists:keyfind(K, 1, Opts) of
                            {K, V} -> maps:put(K, V, M);
                            false -> M
                        end
                end, #{id => Id, start => Start}, ?SPEC_KEYS).

opt_key(T) when is_tuple(T) -> element(1, T);
opt_key(A) -> A.
