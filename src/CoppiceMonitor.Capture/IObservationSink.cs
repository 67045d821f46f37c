namespace CoppiceMonitor.Capture;

/// <summary>Receives every observation the decoder makes, on the decoding thread.</summary>
public interface IObservationSink
{
    void Write(in Observation observation);
}
