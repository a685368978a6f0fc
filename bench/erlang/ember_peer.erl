%% Erlang/OTP peer for ember's side-by-side benchmark suite.
%% A "process" is an Erlang process. Run with
%%   erl -noshell +S 2:2 +P 4000000 -pa ebin -s ember_peer main -extra WORKLOAD --key value ...
%% (-extra: erl would take "--key" for one of its own flags; the rest are plain arguments.)
%% CLI and JSON contract: bench/README.md.
-module(ember_peer).
-export([main/0, main/1]).
%% spawned entry points
-export([idle/0, idle_hib/0, idle_wake/0, iso_client/5, ring_init/1, ponger/0, pinger/3, skynet/3, caller/4, echo/0, light/3, hog/2]).

-define(SYSTEM, <<"erlang">>).

%% ------------------------------------------------------------------ entry, CLI, output

main() -> main(init:get_plain_arguments()).

main([Workload | Rest]) ->
    Opts = parse(Rest, #{}),
    Workers = opt_int(Opts, "workers", erlang:system_info(schedulers_online)),
    case Workers =< erlang:system_info(schedulers) of
        true -> erlang:system_flag(schedulers_online, Workers);
        false -> ok
    end,
    process_flag(priority, high), % the coordinator is mostly idle; keep it prompt under hogs
    Rep = #{workload => list_to_binary(Workload), params => [{workers, Workers}]},
    try run(Workload, Opts, Rep) of
        _ -> halt(0)
    catch C:R:St ->
        io:format(standard_error, "error: ~p:~p~n~p~n", [C, R, St]),
        halt(1)
    end;
main([]) ->
    io:format(standard_error, "usage: ember_peer main WORKLOAD [--key value]...~n", []),
    halt(2).

parse(["--" ++ K, V | Rest], Acc) -> parse(Rest, Acc#{K => V});
parse([], Acc) -> Acc;
parse([X | _], _) ->
    io:format(standard_error, "error: unexpected argument ~s~n", [X]),
    halt(2).

opt_int(O, K, D) ->
    case maps:find(K, O) of
        {ok, V} -> list_to_integer([C || C <- V, C =/= $_]);
        error -> D
    end.
opt_float(O, K, D) ->
    case maps:find(K, O) of
        {ok, V} ->
            case string:to_float(V) of
                {F, []} -> F;
                _ -> float(list_to_integer(V))
            end;
        error -> D
    end.
opt_str(O, K, D) -> maps:get(K, O, D).

param(Rep = #{params := P}, K, V) -> Rep#{params := P ++ [{K, V}]}.

emit(#{workload := W, params := P}, Metric, Value, Unit, Status, Extra) ->
    Fields = [{system, ?SYSTEM}, {workload, W}, {params, {obj, P}}, {metric, Metric},
              {value, Value}, {unit, Unit}, {status, Status} | Extra],
    io:put_chars([json({obj, Fields}), $\n]).

json({obj, KVs}) ->
    [${, lists:join($,, [[json(K), $:, json(V)] || {K, V} <- KVs]), $}];
json(null) -> <<"null">>;
json(true) -> <<"true">>;
json(false) -> <<"false">>;
json(A) when is_atom(A) -> json(atom_to_binary(A, utf8));
json(I) when is_integer(I) -> integer_to_binary(I);
json(F) when is_float(F) -> float_to_binary(round(F * 1000) / 1000, [{decimals, 3}, compact]);
json(L) when is_list(L) -> json(unicode:characters_to_binary(L));
json(B) when is_binary(B) ->
    [$", [esc(C) || <<C>> <= B], $"].

esc($") -> <<"\\\"">>;
esc($\\) -> <<"\\\\">>;
esc($\n) -> <<"\\n">>;
esc(C) when C < 32 -> io_lib:format("\\u~4.16.0b", [C]);
esc(C) -> C.

now_ns() -> erlang:monotonic_time(nanosecond).
ms(Ns) -> Ns / 1.0e6.

rss() ->
    {ok, B} = file:read_file("/proc/self/status"),
    [Line] = [L || L <- binary:split(B, <<"\n">>, [global]), binary:match(L, <<"VmRSS:">>) =/= nomatch],
    [_, Kb | _] = binary:split(Line, [<<" ">>, <<"\t">>], [global, trim_all]),
    binary_to_integer(Kb) * 1024.

%% nearest-rank percentile of a sorted list
percentile([], _) -> null;
percentile(Sorted, P) ->
    N = length(Sorted),
    Rank = max(1, min(N, ceil(P / 100 * N))),
    lists:nth(Rank, Sorted).

%% ------------------------------------------------------------------ workloads

run("spawn", O, Rep0) ->
    N = opt_int(O, "n", 1000000),
    Rep = param(Rep0, n, N),
    Base = erlang:system_info(process_count),
    erlang:garbage_collect(),
    Rss0 = rss(),
    Mem0 = erlang:memory(processes),
    T0 = now_ns(),
    Pids = spawn_idle(N, []),
    T1 = now_ns(),
    wait_run_queues_empty(),
    T2 = now_ns(),
    Rss1 = rss(),
    Mem1 = erlang:memory(processes),
    T3 = now_ns(),
    [P ! stop || P <- Pids],
    wait_process_count(Base),
    T4 = now_ns(),
    emit(Rep, us_per_spawn, (T1 - T0) / 1000 / N, us, ok,
         [{total_ms, ms(T1 - T0)}, {settle_ms, ms(T2 - T0)}, {release_ms, ms(T4 - T3)}]),
    emit(Rep, bytes_per_process, (Rss1 - Rss0) / N, bytes, ok,
         [{rss_before, Rss0}, {rss_after, Rss1}]),
    emit(Rep, vm_bytes_per_process, (Mem1 - Mem0) / N, bytes, ok,
         [{note, <<"erlang:memory(processes) delta / N">>}]);

run("ring", O, Rep0) ->
    Procs = max(2, opt_int(O, "procs", 1000)),
    Laps = opt_int(O, "laps", 1000),
    Rep = param(param(Rep0, procs, Procs), laps, Laps),
    Hops = Procs * Laps,
    Self = self(),
    Pids = [spawn(?MODULE, ring_init, [case I of 0 -> Self; _ -> none end])
            || I <- lists:seq(0, Procs - 1)],
    [First | _] = Pids,
    link_ring(Pids, First),
    timer:sleep(10),
    T0 = now_ns(),
    First ! Hops,
    receive ring_done -> ok end,
    E = now_ns() - T0,
    [exit(P, kill) || P <- Pids],
    emit(Rep, ns_per_hop, E / Hops, ns, ok, [{hops, Hops}, {total_ms, ms(E)}]);

run("pingpong", O, Rep0) ->
    Pairs = opt_int(O, "pairs", 1000),
    Trips = opt_int(O, "trips", 1000),
    Rep = param(param(Rep0, pairs, Pairs), trips, Trips),
    Self = self(),
    Pingers = [spawn(?MODULE, pinger, [spawn(?MODULE, ponger, []), Trips, Self])
               || _ <- lists:seq(1, Pairs)],
    timer:sleep(10),
    T0 = now_ns(),
    [P ! go || P <- Pingers],
    [receive pp_done -> ok end || _ <- Pingers],
    E = now_ns() - T0,
    Msgs = 2 * Pairs * Trips,
    emit(Rep, msgs_per_sec, Msgs / (E / 1.0e9), 'msg/s', ok, [{messages, Msgs}, {total_ms, ms(E)}]);

run("skynet", O, Rep0) ->
    Leaves = opt_int(O, "leaves", 1000000),
    Rep = param(Rep0, leaves, Leaves),
    T0 = now_ns(),
    spawn(?MODULE, skynet, [self(), 0, Leaves]),
    Sum = receive {sum, S} -> S end,
    E = now_ns() - T0,
    Expected = Leaves * (Leaves - 1) div 2,
    Status = case Sum of Expected -> ok; _ -> error end,
    emit(Rep, ms, ms(E), ms, Status, [{sum, Sum}, {expected, Expected}]);

run("call", O, Rep0) ->
    Callers = opt_int(O, "callers", 100),
    Calls = opt_int(O, "calls", 1000),
    Rep = param(param(Rep0, callers, Callers), calls, Calls),
    {ok, Srv} = ember_peer_srv:start(),
    Self = self(),
    Cs = [spawn(?MODULE, caller, [Self, Srv, Calls, go]) || _ <- lists:seq(1, Callers)],
    timer:sleep(10),
    T0 = now_ns(),
    [C ! go || C <- Cs],
    Avgs = [receive {avg, A} -> A end || _ <- Cs],
    E = now_ns() - T0,
    Total = Callers * Calls,
    Extra = [{total_calls, Total}, {total_ms, ms(E)}],
    emit(Rep, us_per_call, percentile(lists:sort(Avgs), 50), us, ok, Extra),
    emit(Rep, calls_per_sec, Total / (E / 1.0e9), 'call/s', ok, Extra);

run("fairness", O, Rep0) ->
    Light = opt_int(O, "light", 100),
    Trips = opt_int(O, "trips", 200),
    Hogs = opt_int(O, "hogs", 0),
    Kind = hog_kind(opt_str(O, "hog-kind", "spin")),
    SleepMs = opt_int(O, "sleep-ms", 10),
    CapMs = round(opt_float(O, "cap-secs", 30.0) * 1000),
    Rep = lists:foldl(fun({K, V}, R) -> param(R, K, V) end, Rep0,
                      [{light, Light}, {trips, Trips}, {hogs, Hogs}, {hog_kind, Kind}]),
    [spawn(?MODULE, hog, [Kind, SleepMs]) || _ <- lists:seq(1, Hogs)],
    timer:sleep(50),
    Self = self(),
    T0 = now_ns(),
    [spawn(?MODULE, light, [Self, Trips, spawn(?MODULE, echo, [])]) || _ <- lists:seq(1, Light)],
    Deadline = T0 div 1000000 + CapMs,
    {Finished, Lats} = collect_lights(Light, Deadline, 0, []),
    Total = now_ns() - T0,
    Sorted = lists:sort(Lats),
    Status = case Finished < Light of true -> starved; false -> ok end,
    Extra = [{light, Light}, {finished, Finished}, {trips_done, length(Sorted)},
             {trips_expected, Light * Trips}] ++ hog_note(Kind, Hogs),
    emit(Rep, p50_us, percentile(Sorted, 50), us, Status, Extra),
    emit(Rep, p99_us, percentile(Sorted, 99), us, Status, Extra),
    emit(Rep, max_us, case Sorted of [] -> null; _ -> lists:last(Sorted) end, us, Status, Extra),
    emit(Rep, total_ms, ms(Total), ms, Status, Extra);

run("kill", O, Rep0) ->
    Kind = hog_kind(opt_str(O, "hog-kind", "spin")),
    Kills = opt_int(O, "kills", 5),
    SleepMs = opt_int(O, "sleep-ms", 10),
    CapMs = round(opt_float(O, "cap-secs", 2.0) * 1000),
    Rep = param(param(Rep0, hog_kind, Kind), kills, Kills),
    Lats = kill_loop(Kills, Kind, SleepMs, CapMs, []),
    Got = lists:sort([L || L <- Lats, L =/= timeout]),
    Max = case Got of [] -> null; _ -> lists:last(Got) end,
    Extra = [{kills, Kills}, {observed, length(Got)}, {max_us, Max},
             {note, <<"exit(Pid, kill); notification = 'DOWN' of a monitor">>}] ++ hog_note(Kind, 1),
    case lists:member(timeout, Lats) of
        true -> emit(Rep, kill_latency_us, null, us, timeout, Extra);
        false -> emit(Rep, kill_latency_us, percentile(Got, 50), us, ok, Extra)
    end;

run("restart", O, Rep0) ->
    Crashes = opt_int(O, "crashes", 200),
    Rep = param(Rep0, crashes, Crashes),
    quiet(),
    {ok, _Sup} = ember_peer_sup:start_link([worker], Crashes + 10),
    Lat = lists:sort([crash_and_wait(worker) || _ <- lists:seq(1, Crashes)]),
    Extra = [{crashes, Crashes}, {observed, length(Lat)}, {p99_us, percentile(Lat, 99)},
             {mean_us, lists:sum(Lat) / max(1, length(Lat))},
             {note, <<"one_for_one supervisor, one permanent gen_server registered by name; "
                      "crash = a call whose handler does exit(crash); latency = crash request -> "
                      "first answer of the restarted worker (called by name, retried); logger off">>}],
    emit(Rep, restart_p50_us, percentile(Lat, 50), us, ok, Extra),
    emit(Rep, restart_max_us, lists:last(Lat), us, ok, Extra);

run("crash_isolation", O, Rep0) ->
    Children = max(1, opt_int(O, "children", 10000)),
    Clients = min(Children, max(1, opt_int(O, "clients", 100))),
    Requests = opt_int(O, "requests", 10),
    Rep = param(param(param(Rep0, children, Children), clients, Clients), requests, Requests),
    quiet(),
    Names = list_to_tuple([list_to_atom("w" ++ integer_to_list(I)) || I <- lists:seq(0, Children - 1)]),
    BadTotal = length([K || K <- lists:seq(0, Children * Requests - 1), is_bad(K)]),
    {ok, _Sup} = ember_peer_sup:start_link(tuple_to_list(Names), BadTotal + 10),
    Self = self(),
    Pids = [spawn(?MODULE, iso_client, [Self, Names, J, Clients, Requests])
            || J <- lists:seq(0, Clients - 1)],
    wait_run_queues_empty(),
    T0 = now_ns(),
    [P ! go || P <- Pids],
    {G, S, B, L} = collect_iso(Clients, {0, 0, 0, []}),
    T = now_ns() - T0,
    Lat = lists:sort(L),
    Extra = [{good_requests, G}, {served, S}, {bad_requests, B}, {restarts_observed, length(Lat)},
             {note, <<"one_for_one supervisor of permanent gen_servers registered by name; logger off">>}],
    emit(Rep, served_share, case G of 0 -> 1.0; _ -> S / G end, share, ok, Extra),
    emit(Rep, restart_p50_us, percentile(Lat, 50), us, ok, Extra),
    emit(Rep, restart_max_us, case Lat of [] -> null; _ -> lists:last(Lat) end, us, ok, Extra),
    emit(Rep, total_ms, ms(T), ms, ok, Extra);

run("idle10m", O, Rep0) ->
    N = max(1, opt_int(O, "n", 10000000)),
    Rep = param(Rep0, n, N),
    process_flag(priority, normal),
    Budget = idle_budget(O),
    Base = erlang:system_info(process_count),
    erlang:garbage_collect(),
    Rss0 = rss(),
    T0 = now_ns(),
    {Pids, Spawned, Infeasible, SettleNs} = idle_spawn(N, (N + 9) div 10, Rss0, Budget, [], 0, 0),
    T1 = now_ns(),
    wait_run_queues_empty(),
    Rss1 = rss(),
    T3 = now_ns(),
    [P ! stop || P <- Pids],
    wait_process_count(Base),
    T4 = now_ns(),
    SpawnNs = T1 - T0 - SettleNs,
    Extra = [{n, N}, {spawned, Spawned}, {feasible, Infeasible =:= null},
             {total_ms, ms(SpawnNs)}, {release_ms, ms(T4 - T3)}, {rss_before, Rss0}, {rss_after, Rss1}]
            ++ [{note, Infeasible} || Infeasible =/= null]
            ++ [{process_note, <<"each process hibernates (erlang:hibernate/3) while it waits">>}],
    emit(Rep, feasible, case Infeasible of null -> 1; _ -> 0 end, bool, ok, Extra),
    emit(Rep, bytes_per_process, (Rss1 - Rss0) / max(1, Spawned), bytes, ok, Extra),
    emit(Rep, us_per_spawn, SpawnNs / 1000 / max(1, Spawned), us, ok, Extra);

run(W, _, _) ->
    io:format(standard_error, "error: unknown workload ~s~n", [W]),
    halt(2).

%% ------------------------------------------------------------------ helpers per workload

spawn_idle(0, Acc) -> Acc;
spawn_idle(N, Acc) -> spawn_idle(N - 1, [spawn(?MODULE, idle, []) | Acc]).

idle() -> receive stop -> ok end.

%% restart / crash_isolation: crash reports are not printed (as ember has no tracing subscriber
%% and the Rust contenders silence the panic message of a requested crash); the coordinator is
%% the client being timed, so it runs at normal priority like everything else.
quiet() ->
    logger:set_primary_config(level, none),
    process_flag(priority, normal).

%% Crash the worker registered as Name, then call it until the restarted worker answers;
%% returns the time from the crash request to that answer, in us.
crash_and_wait(Name) ->
    T0 = now_ns(),
    {'EXIT', _} = (catch gen_server:call(Name, crash, infinity)),
    wait_answer(Name),
    (now_ns() - T0) / 1000.

wait_answer(Name) ->
    case catch gen_server:call(Name, {work, 0}, infinity) of
        {'EXIT', _} -> erlang:yield(), wait_answer(Name);
        _ -> ok
    end.

is_bad(K) -> ((K * 2654435761) band 16#FFFFFFFF) rem 100 =:= 0.

iso_client(Parent, Names, First, Step, Requests) ->
    receive go -> ok end,
    Children = tuple_size(Names),
    R = lists:foldl(fun(Round, Acc) -> iso_round(Round, First, Step, Children, Names, Acc) end,
                    {0, 0, 0, []}, lists:seq(0, Requests - 1)),
    Parent ! {iso, R}.

iso_round(_Round, C, _Step, Children, _Names, Acc) when C >= Children -> Acc;
iso_round(Round, C, Step, Children, Names, {G, S, B, L}) ->
    K = Round * Children + C,
    Name = element(C + 1, Names),
    Acc = case is_bad(K) of
              true -> {G, S, B + 1, [crash_and_wait(Name) | L]};
              false ->
                  Ok = case catch gen_server:call(Name, {work, K}, infinity) of
                           {'EXIT', _} -> 0;
                           _ -> 1
                       end,
                  {G + 1, S + Ok, B, L}
          end,
    iso_round(Round, C + Step, Step, Children, Names, Acc).

collect_iso(0, Acc) -> Acc;
collect_iso(N, {G, S, B, L}) ->
    receive {iso, {G1, S1, B1, L1}} -> collect_iso(N - 1, {G + G1, S + S1, B + B1, L1 ++ L}) end.

%% idle10m: an idle process hibernates (its heap shrinks to what it holds) until its message.
idle_hib() -> erlang:hibernate(?MODULE, idle_wake, []).
idle_wake() -> receive stop -> ok end.

mem_available() ->
    {ok, B} = file:read_file("/proc/meminfo"),
    case [L || L <- binary:split(B, <<"\n">>, [global]), binary:match(L, <<"MemAvailable:">>) =/= nomatch] of
        [Line] ->
            [_, Kb | _] = binary:split(Line, [<<" ">>, <<"\t">>], [global, trim_all]),
            binary_to_integer(Kb) * 1024;
        _ -> 0
    end.

idle_budget(O) ->
    Cap = round(opt_float(O, "max-gib", 16.0) * (1 bsl 30)),
    case mem_available() of
        0 -> Cap;
        A -> min(Cap, max(0, A - (2 bsl 30)))
    end.

%% Spawn N in steps; after each step (once the new processes have run to their hibernation),
%% stop if the RSS growth projected to N exceeds the budget, or at the process limit (+P).
idle_spawn(N, _Step, _Rss0, _Budget, Acc, Done, Settle) when Done >= N -> {Acc, Done, null, Settle};
idle_spawn(N, Step, Rss0, Budget, Acc, Done, Settle) ->
    case spawn_hib(min(Step, N - Done), Acc, Done) of
        {limit, Acc1, Done1} ->
            Note = iolist_to_binary(io_lib:format("system_limit after ~b processes: raise +P", [Done1])),
            {Acc1, Done1, Note, Settle};
        {ok, Acc1, Done1} when Done1 >= N -> {Acc1, Done1, null, Settle};
        {ok, Acc1, Done1} ->
            S0 = now_ns(),
            wait_run_queues_empty(),
            Grown = rss() - Rss0,
            Settle1 = Settle + now_ns() - S0,
            Projected = Grown / Done1 * N,
            case Projected > Budget of
                false -> idle_spawn(N, Step, Rss0, Budget, Acc1, Done1, Settle1);
                true ->
                    Note = iolist_to_binary(io_lib:format(
                        "stopped at ~b processes: ~.0f bytes each, ~.1f GiB projected for ~b > budget ~.1f GiB",
                        [Done1, Grown / Done1, Projected / (1 bsl 30), N, Budget / (1 bsl 30)])),
                    {Acc1, Done1, Note, Settle1}
            end
    end.

spawn_hib(0, Acc, D) -> {ok, Acc, D};
spawn_hib(K, Acc, D) ->
    case try_spawn_hib() of
        {ok, P} -> spawn_hib(K - 1, [P | Acc], D + 1);
        limit -> {limit, Acc, D}
    end.

try_spawn_hib() ->
    try {ok, spawn(?MODULE, idle_hib, [])}
    catch error:system_limit -> limit
    end.

wait_run_queues_empty() ->
    case erlang:statistics(total_run_queue_lengths_all) of
        0 -> ok;
        _ -> timer:sleep(1), wait_run_queues_empty()
    end.

wait_process_count(Base) ->
    case erlang:system_info(process_count) =< Base of
        true -> ok;
        false -> timer:sleep(1), wait_process_count(Base)
    end.

link_ring([P], First) -> P ! {next, First};
link_ring([P, Q | Rest], First) -> P ! {next, Q}, link_ring([Q | Rest], First).

ring_init(Parent) -> receive {next, Next} -> ring_loop(Next, Parent) end.

ring_loop(Next, Parent) ->
    receive
        0 -> Parent ! ring_done, ring_loop(Next, Parent);
        N -> Next ! N - 1, ring_loop(Next, Parent)
    end.

ponger() ->
    receive
        {From, I} -> From ! I, ponger();
        stop -> ok
    end.

pinger(Ponger, Trips, Parent) ->
    receive go -> ok end,
    ping_loop(0, Trips, Ponger, self()),
    Ponger ! stop,
    Parent ! pp_done.

ping_loop(T, T, _, _) -> ok;
ping_loop(I, T, Ponger, Self) ->
    Ponger ! {Self, I},
    receive I -> ok end,
    ping_loop(I + 1, T, Ponger, Self).

skynet(Parent, Num, 1) -> Parent ! {sum, Num};
skynet(Parent, Num, Size) ->
    Sub = Size div 10,
    Self = self(),
    spawn_children(Self, Num, Sub, 0),
    Parent ! {sum, collect_sums(10, 0)}.

spawn_children(_, _, _, 10) -> ok;
spawn_children(Self, Num, Sub, I) ->
    spawn(?MODULE, skynet, [Self, Num + I * Sub, Sub]),
    spawn_children(Self, Num, Sub, I + 1).

collect_sums(0, Acc) -> Acc;
collect_sums(N, Acc) -> receive {sum, S} -> collect_sums(N - 1, Acc + S) end.

caller(Parent, Srv, Calls, go) ->
    receive go -> ok end,
    T0 = now_ns(),
    call_loop(Calls, Srv),
    Parent ! {avg, (now_ns() - T0) / 1000 / Calls}.

call_loop(0, _) -> ok;
call_loop(N, Srv) -> _ = gen_server:call(Srv, {add, 1}, infinity), call_loop(N - 1, Srv).

echo() ->
    receive
        {From, V} -> From ! {self(), V}, echo();
        stop -> ok
    end.

light(Parent, Trips, Echo) ->
    Lats = light_loop(0, Trips, Echo, self(), []),
    Echo ! stop,
    Parent ! {lats, Lats}.

light_loop(T, T, _, _, Acc) -> Acc;
light_loop(I, T, Echo, Self, Acc) ->
    T0 = now_ns(),
    Echo ! {Self, I},
    receive {Echo, I} -> ok end,
    light_loop(I + 1, T, Echo, Self, [(now_ns() - T0) / 1000 | Acc]).

collect_lights(0, _, F, Acc) -> {F, Acc};
collect_lights(N, Deadline, F, Acc) ->
    Left = max(0, Deadline - erlang:monotonic_time(millisecond)),
    receive
        {lats, L} -> collect_lights(N - 1, Deadline, F + 1, L ++ Acc)
    after Left -> {F, Acc}
    end.

hog_kind("spin") -> spin;
hog_kind("yield") -> yield;
hog_kind("sleep") -> sleep;
hog_kind(K) ->
    io:format(standard_error, "error: --hog-kind spin|yield|sleep, not ~s~n", [K]),
    halt(2).

hog_note(sleep, N) when N > 0 ->
    [{hog_note, <<"sleep hog = os:cmd(\"sleep ...\") in a loop: blocks only its own process "
                  "(no thread-blocking sleep exists in Erlang without a C NIF)">>}];
hog_note(_, _) -> [].

%% spin: pure arithmetic in a tail call (small integers only, no allocation, no runtime call;
%% the BEAM still counts a reduction per call and preempts after its budget).
hog(spin, _) -> spin(1);
%% yield: a chunk of arithmetic, then erlang:yield().
hog(yield, _) -> yield_loop(1);
%% sleep: see hog_note/2.
hog(sleep, SleepMs) -> sleep_loop("sleep " ++ float_to_list(SleepMs / 1000, [{decimals, 3}])).

-define(LCG(X), ((X) * 1103515245 + 12345) band 16#7FFFFFFF).

spin(X) -> spin(?LCG(X)).

yield_loop(X) ->
    X1 = chunk(1000, X),
    erlang:yield(),
    yield_loop(X1).

chunk(0, X) -> X;
chunk(N, X) -> chunk(N - 1, ?LCG(X)).

sleep_loop(Cmd) -> _ = os:cmd(Cmd), sleep_loop(Cmd).

kill_loop(0, _, _, _, Acc) -> lists:reverse(Acc);
kill_loop(N, Kind, SleepMs, CapMs, Acc) ->
    {Pid, Ref} = spawn_monitor(?MODULE, hog, [Kind, SleepMs]),
    timer:sleep(55),
    T0 = now_ns(),
    exit(Pid, kill),
    receive
        {'DOWN', Ref, process, Pid, _} ->
            kill_loop(N - 1, Kind, SleepMs, CapMs, [(now_ns() - T0) / 1000 | Acc])
    after CapMs ->
        lists:reverse([timeout | Acc])
    end.
