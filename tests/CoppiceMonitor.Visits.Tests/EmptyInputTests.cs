namespace CoppiceMonitor.Visits.Tests;

/// <summary>Issue 14: a pipeline that never saw an observation (empty replay, `run` stopped at once) ends quietly.</summary>
public class EmptyInputTests
{
    [Fact]
    public void Complete_WithoutAnyObservation_EmitsNothingAndDoesNotThrow()
    {
        var sink = PipelineRunner.Run([]);

        Assert.Empty(sink.Visits);
        Assert.Empty(sink.Anonymous);
    }
}
