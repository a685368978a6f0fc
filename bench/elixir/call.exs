# Elixir peer, `call` workload only: GenServer.call round trips against one server.
# Run: elixir --erl "+S 2:2 +P 4000000" call.exs call --callers 100 --calls 1000
# CLI and JSON contract: bench/README.md.
defmodule EmberBench.Server do
  use GenServer
  @impl true
  def init(state), do: {:ok, state}
  @impl true
  def handle_call({:add, x}, _from, state) do
    s = state + x
    {:reply, s, s}
  end
end

defmodule EmberBench.Call do
  def main(argv) do
    {workload, opts} =
      case argv do
        [w | rest] -> {w, parse(rest, %{})}
        [] -> usage("missing workload")
      end

    if workload != "call", do: usage("the Elixir peer implements only the call workload")
    workers = int(opts, "workers", :erlang.system_info(:schedulers_online))
    if workers <= :erlang.system_info(:schedulers),
      do: :erlang.system_flag(:schedulers_online, workers)

    callers = int(opts, "callers", 100)
    calls = int(opts, "calls", 1000)
    Process.flag(:priority, :high)
    {:ok, srv} = GenServer.start(EmberBench.Server, 0)
    parent = self()

    pids =
      for _ <- 1..callers do
        spawn(fn ->
          receive do
            :go -> :ok
          end

          t0 = System.monotonic_time(:nanosecond)
          loop(calls, srv)
          send(parent, {:avg, (System.monotonic_time(:nanosecond) - t0) / 1000 / calls})
        end)
      end

    Process.sleep(10)
    t0 = System.monotonic_time(:nanosecond)
    Enum.each(pids, &send(&1, :go))

    avgs =
      for _ <- pids do
        receive do
          {:avg, a} -> a
        end
      end

    e = System.monotonic_time(:nanosecond) - t0
    sorted = Enum.sort(avgs)
    median = Enum.at(sorted, max(0, ceil(length(sorted) * 0.5) - 1))
    total = callers * calls
    params = [workers: workers, callers: callers, calls: calls]
    extra = [total_calls: total, total_ms: e / 1.0e6]
    emit(params, "us_per_call", median, "us", extra)
    emit(params, "calls_per_sec", total / (e / 1.0e9), "call/s", extra)
  end

  defp loop(0, _), do: :ok

  defp loop(n, srv) do
    GenServer.call(srv, {:add, 1}, :infinity)
    loop(n - 1, srv)
  end

  defp parse(["--" <> k, v | rest], acc), do: parse(rest, Map.put(acc, k, v))
  defp parse([], acc), do: acc
  defp parse([x | _], _), do: usage("unexpected argument #{x}")

  defp int(opts, k, d),
    do: if(Map.has_key?(opts, k), do: String.to_integer(String.replace(opts[k], "_", "")), else: d)

  defp usage(msg) do
    IO.puts(:stderr, "error: #{msg}\nusage: elixir call.exs call [--callers C] [--calls M] [--workers W]")
    System.halt(2)
  end

  defp emit(params, metric, value, unit, extra) do
    fields =
      [system: "elixir", workload: "call", params: {:obj, params}, metric: metric, value: value,
       unit: unit, status: "ok"] ++ extra

    IO.puts(json({:obj, fields}))
  end

  defp json({:obj, kvs}),
    do: "{" <> Enum.map_join(kvs, ",", fn {k, v} -> json(to_string(k)) <> ":" <> json(v) end) <> "}"

  defp json(nil), do: "null"
  defp json(i) when is_integer(i), do: Integer.to_string(i)
  defp json(f) when is_float(f), do: :erlang.float_to_binary(Float.round(f, 3), [:compact, decimals: 3])
  defp json(s) when is_binary(s), do: "\"" <> String.replace(s, ["\\", "\""], &("\\" <> &1)) <> "\""
end

EmberBench.Call.main(System.argv())
