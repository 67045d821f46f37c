using System.Net;
using System.Text;
using CoppiceMonitor.Capture;

namespace CoppiceMonitor.Visits.Tests;

public class RegistryCsvReaderTests
{
    [Fact]
    public void ReadStaff_ValidFile_AllRowsWithRoles()
    {
        const string csv = "staff_id,display_name,email,line_manager_id,roles\r\n" +
            "s1,Hana Head,head@coppice.sch.uk,,headteacher;line-manager\r\n" +
            "s2,\"Able, Alice\",alice@coppice.sch.uk,s1,\r\n" +
            "s3,\"Bob \"\"Bobby\"\" Baker\",bob@coppice.sch.uk,s1,hr; ICT\r\n";

        var result = RegistryCsvReader.ReadStaff(new StringReader(csv));

        Assert.Empty(result.Errors);
        Assert.Equal(3, result.Rows.Count);
        Assert.Equal(StaffRoles.Headteacher | StaffRoles.LineManager, result.Rows[0].Roles);
        Assert.Null(result.Rows[0].LineManagerId);
        Assert.Equal("Able, Alice", result.Rows[1].DisplayName);
        Assert.Equal("s1", result.Rows[1].LineManagerId);
        Assert.Equal("Bob \"Bobby\" Baker", result.Rows[2].DisplayName);
        Assert.Equal(StaffRoles.Hr | StaffRoles.Ict, result.Rows[2].Roles);
    }

    [Fact]
    public void ReadStaff_DpoRole_ImportedAndUnknownRoleNamesTheChoices()
    {
        const string csv = "staff_id,display_name,email,line_manager_id,roles\r\n" +
            "s1,Dora Dean,dpo@coppice.sch.uk,,DPO\r\n" +
            "s2,Ivy Ink,ivy@coppice.sch.uk,,auditor\r\n";

        var result = RegistryCsvReader.ReadStaff(new StringReader(csv));

        Assert.Equal(StaffRoles.Dpo, Assert.Single(result.Rows, r => r.StaffId == "s1").Roles);
        var error = Assert.Single(result.Errors);
        Assert.Contains("ict or dpo", error.Reason, StringComparison.Ordinal);
    }

    [Fact]
    public void ReadStaff_BomReorderedColumnsExtraColumnAndQuotedLineBreak_Imported()
    {
        var bytes = Encoding.UTF8.GetPreamble().Concat(Encoding.UTF8.GetBytes(
            "email,notes,staff_id,roles,display_name,line_manager_id\n" +
            "zoe@coppice.sch.uk,\"two\nlines\",s9,,Zoë Zed,\n")).ToArray();
        using var reader = new StreamReader(new MemoryStream(bytes), new UTF8Encoding(false), detectEncodingFromByteOrderMarks: false);

        var result = RegistryCsvReader.ReadStaff(reader);

        Assert.Empty(result.Errors);
        var row = Assert.Single(result.Rows);
        Assert.Equal("s9", row.StaffId);
        Assert.Equal("Zoë Zed", row.DisplayName);
    }

    [Fact]
    public void ReadStaff_BadRows_ReportedWithLineNumbersAndRestImported()
    {
        const string csv = "staff_id,display_name,email,line_manager_id,roles\n" +
            "s1,Hana Head,head@coppice.sch.uk,,headteacher\n" +      // line 2 ok
            ",No Id,noid@coppice.sch.uk,,\n" +                      // line 3 empty id
            "s2,Bad Mail,not-an-email,s1,\n" +                       // line 4 bad email
            "s1,Again,again@coppice.sch.uk,,\n" +                   // line 5 duplicate id
            "s3,\"Quote\"d,q@coppice.sch.uk,,\n" +                  // line 6 text after closing quote
            "s4,Role,role@coppice.sch.uk,,caretaker\n" +            // line 7 unknown role
            "s5,Orphan,orphan@coppice.sch.uk,s99,\n" +              // line 8 unknown manager: imported without
            "s6,Fine,fine@coppice.sch.uk,s1,line-manager\n";        // line 9 ok

        var result = RegistryCsvReader.ReadStaff(new StringReader(csv));

        Assert.Equal(["s1", "s5", "s6"], result.Rows.Select(r => r.StaffId));
        Assert.Null(result.Rows.Single(r => r.StaffId == "s5").LineManagerId);
        Assert.Equal([3, 4, 5, 6, 7, 8], result.Errors.Select(e => e.LineNumber));
        Assert.Contains("staff_id is empty", result.Errors[0].Reason, StringComparison.Ordinal);
        Assert.Contains("not-an-email", result.Errors[1].Reason, StringComparison.Ordinal);
        Assert.Contains("earlier line", result.Errors[2].Reason, StringComparison.Ordinal);
        Assert.Contains("closing quote", result.Errors[3].Reason, StringComparison.Ordinal);
        Assert.Contains("caretaker", result.Errors[4].Reason, StringComparison.Ordinal);
        Assert.True(result.Errors[5].RowImported);
    }

    [Fact]
    public void ReadStaff_MissingRequiredColumn_OneHeaderErrorNoRows()
    {
        var result = RegistryCsvReader.ReadStaff(new StringReader("staff_id,display_name\ns1,A\n"));

        Assert.Empty(result.Rows);
        var error = Assert.Single(result.Errors);
        Assert.Equal(1, error.LineNumber);
        Assert.Contains("email", error.Reason, StringComparison.Ordinal);
    }

    [Fact]
    public void ReadDevices_ValidAndBadRows_ParsedAndReported()
    {
        const string csv = "device_id,staff_id,mac,hostname,static_ip,kind,authorised_services,asset_tag\n" +
            "d1,s1,AA-BB-CC-DD-EE-01,Head-PC,,staff,Facebook;X/Twitter,T100\n" +   // 2 ok
            "d2,,aabb.ccdd.ee02,,10.10.0.20,shared,,\n" +                           // 3 ok
            "d3,,,tablet,,pupil,,\n" +                                              // 4 ok
            "d4,,aa:bb:cc:dd:ee:04,,,staff,,\n" +                                   // 5 staff without staff_id
            "d5,s1,aa:bb:cc:dd:ee:05,,,guest,,\n" +                                 // 6 staff_id on guest
            "d6,s1,zz:bb:cc:dd:ee:06,,,staff,,\n" +                                 // 7 bad mac
            "d7,s1,,,10.10.0.300,staff,,\n" +                                       // 8 bad ip
            "d8,s1,aa:bb:cc:dd:ee:01,,,staff,,\n" +                                 // 9 duplicate mac
            "d1,s1,,,,staff,,\n" +                                                  // 10 duplicate id
            "d9,s1,,,,laptop,,\n" +                                                 // 11 bad kind
            "d10,s77,,,,staff,,\n" +                                                // 12 unknown staff
            "\"d11,s1,,,,staff,,\n";                                                // 13.. unterminated quote

        var result = RegistryCsvReader.ReadDevices(new StringReader(csv), new HashSet<string> { "s1" });

        Assert.Equal(["d1", "d2", "d3"], result.Rows.Select(r => r.DeviceId));
        var d1 = result.Rows[0];
        Assert.Equal(DeviceKind.Staff, d1.Kind);
        Assert.Equal("s1", d1.StaffId);
        Assert.True(MacAddress.TryParse("aa:bb:cc:dd:ee:01", out var mac));
        Assert.Equal(mac, d1.Mac);
        Assert.Equal("head-pc", d1.Hostname);
        Assert.True(d1.IsAuthorisedFor("facebook"));
        Assert.Equal(IPAddress.Parse("10.10.0.20"), result.Rows[1].StaticIp);
        Assert.Equal(DeviceKind.Shared, result.Rows[1].Kind);
        Assert.Null(result.Rows[2].StaffId);
        Assert.Equal([5, 6, 7, 8, 9, 10, 11, 12, 13], result.Errors.Select(e => e.LineNumber));
        Assert.Contains("kind is staff", result.Errors[0].Reason, StringComparison.Ordinal);
        Assert.Contains("must be empty", result.Errors[1].Reason, StringComparison.Ordinal);
        Assert.Contains("zz:bb", result.Errors[2].Reason, StringComparison.Ordinal);
        Assert.Contains("10.10.0.300", result.Errors[3].Reason, StringComparison.Ordinal);
        Assert.Contains("already device 'd1'", result.Errors[4].Reason, StringComparison.Ordinal);
        Assert.Contains("earlier line", result.Errors[5].Reason, StringComparison.Ordinal);
        Assert.Contains("laptop", result.Errors[6].Reason, StringComparison.Ordinal);
        Assert.Contains("s77", result.Errors[7].Reason, StringComparison.Ordinal);
        Assert.Contains("not closed", result.Errors[8].Reason, StringComparison.Ordinal);
    }

    [Fact]
    public void ReadDevices_EmptyInput_HeaderError()
    {
        var result = RegistryCsvReader.ReadDevices(new StringReader(""));

        Assert.Empty(result.Rows);
        Assert.Equal(1, Assert.Single(result.Errors).LineNumber);
    }
}
