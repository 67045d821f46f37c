using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;

namespace CoppiceMonitor.Portal.Pages;

/// <summary>Status-code and exception page: says what happened, never how (no stack trace, no detail).</summary>
[IgnoreAntiforgeryToken]
public sealed class ErrorModel : PageModel
{
    public string Title { get; private set; } = "Something went wrong";

    public string Explanation { get; private set; } = "The portal could not complete the request. It has been logged; please try again.";

    public void OnGet(int? code) => Describe(code);

    public void OnPost(int? code) => Describe(code);

    private void Describe(int? code)
    {
        if (code == StatusCodes.Status404NotFound)
        {
            Title = "Not found";
            Explanation = "There is nothing here that you can see.";
        }
        else if (code == StatusCodes.Status400BadRequest)
        {
            Title = "Bad request";
            Explanation = "The form could not be accepted (it may have expired). Go back, reload the page and try again.";
        }

        if (code is { } c)
        {
            Response.StatusCode = c;
        }
    }
}
